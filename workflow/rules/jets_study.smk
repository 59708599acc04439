# Jets physics study: why our prong classes separated less than arXiv:2202.00723's.
# One Pythia job per (class-definition variant, class), then the diagnosis table that scores
# a fixed-capacity boosted-tree reference while one choice changes at a time (docs/jets_study.md, "Why
# our jets separated less than the paper's"). Not part of `all`:
#   snakemake jets_study


rule jets_study_sample:
    output:
        f"{OUT}/jets/study/{{variant}}/{{cls}}.parquet",
    log:
        f"{OUT}/logs/jets/study/{{variant}}/{{cls}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/study/{{variant}}/{{cls}}.tsv"
    wildcard_constraints:
        variant=alternatives(JETS["study"]["variants"]),
        cls=alternatives(JETS["classes"]),
    params:
        attnphys=ATTNPHYS,
        seed=config["seed"],
        events=lambda w: JETS_PLAN.study_events(w.cls),
        pt_window=JETS["pt_window"],
        mass_window=JETS["mass_window"],
    threads: 1
    resources:
        mem_mb=lambda w: mem_mb("jets_study_sample", JETS_PLAN.study_events(w.cls)),
        runtime=lambda w: runtime("jets_study_sample", JETS_PLAN.study_events(w.cls)),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets study --class {wildcards.cls} --variant {wildcards.variant}"
        " --events {params.events} --seed {params.seed} --pt-window {params.pt_window}"
        " --mass-window {params.mass_window} --out {output:q} > {log:q} 2>&1"


rule jets_diagnosis:
    input:
        JETS_PLAN.study_samples(),
    output:
        table=f"{OUT}/jets/study/diagnosis.csv",
        markdown=f"{OUT}/jets/study/diagnosis.md",
    log:
        f"{OUT}/logs/jets/study/diagnosis.log",
    benchmark:
        f"{OUT}/benchmarks/jets/study/diagnosis.tsv"
    params:
        attnphys=ATTNPHYS,
        seed=config["seed"],
        jets_per_class=JETS["study"]["jets_per_class"],
    threads: 2
    resources:
        mem_mb=lambda w: mem_mb("jets_diagnosis", diagnosis_rows()),
        runtime=lambda w: runtime("jets_diagnosis", diagnosis_rows()),
    conda:
        CONDA_ENV
    shell:
        "OMP_NUM_THREADS={threads} {params.attnphys} jets diagnosis --inputs {input:q}"
        " --jets-per-class {params.jets_per_class} --seed {params.seed}"
        " --out {output.table:q} --out-markdown {output.markdown:q} > {log:q} 2>&1"


rule jets_study:
    input:
        rules.jets_diagnosis.output,
