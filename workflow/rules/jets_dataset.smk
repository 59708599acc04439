# Jets 2/4: one ingest job per Delphes ROOT file, then the flat train/val/test datasets with
# the 16 N-subjettiness features.
#
# Inputs per class: the generated chunks {outdir}/jets/events/{cls}/{chunk}.root
# (jets_events.smk), or, when config jets.delphes_files lists glob patterns for the class,
# those files instead (attnphys.jets.plan). The simulated splits go to
# {outdir}/jets/dataset/ (JETS_SIM_DIR), or beside the paper's when jets.source is `paper`
# (jets_paper.smk); later stages read the configured source's splits (JETS_DATASET).


rule jets_ingest:
    input:
        lambda w: JETS_PLAN.delphes_file(w.cls, w.chunk),
    output:
        f"{OUT}/jets/towers/{{cls}}/{{chunk}}.parquet",
    log:
        f"{OUT}/logs/jets/ingest/{{cls}}/{{chunk}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/ingest/{{cls}}/{{chunk}}.tsv"
    wildcard_constraints:
        cls=alternatives(JETS["classes"]),
        chunk=USER_CHUNK,
    params:
        attnphys=ATTNPHYS,
        pt_window=JETS["pt_window"],
        mass_window=JETS["mass_window"],
        leading=JETS["leading_jets"],
        truth=lambda w: JETS_PLAN.truth_options(w.cls),
    threads: 1
    resources:
        mem_mb=mem_mb("jets_ingest", JETS["events_per_chunk"]),
        runtime=runtime("jets_ingest", JETS["events_per_chunk"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets ingest --input {input:q} --class {wildcards.cls} --out {output:q}"
        " --pt-window {params.pt_window} --mass-window {params.mass_window}"
        " --leading {params.leading} {params.truth} > {log:q} 2>&1"


rule jets_build_dataset:
    input:
        JETS_PLAN.towers_files(),
    output:
        train=f"{JETS_SIM_DIR}/train.parquet",
        val=f"{JETS_SIM_DIR}/val.parquet",
        test=f"{JETS_SIM_DIR}/test.parquet",
        summary=f"{JETS_SIM_DIR}/summary.json",
    log:
        f"{OUT}/logs/jets/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/jets/dataset.tsv"
    params:
        attnphys=ATTNPHYS,
        classes=JETS["classes"],
        jets_per_class=JETS["jets_per_class"],
        pt_window=JETS["pt_window"],
        mass_window=JETS["mass_window"],
        flatten_bins=JETS["flatten_bins"],
        split=JETS["split"],
        max_towers=JETS["max_towers"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=mem_mb("jets_build_dataset", JETS_PLAN.dataset_size()),
        runtime=runtime("jets_build_dataset", JETS_PLAN.dataset_size()),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets dataset {input:q} --out-train {output.train:q} --out-val {output.val:q}"
        " --out-test {output.test:q} --out-summary {output.summary:q} --classes {params.classes}"
        " --jets-per-class {params.jets_per_class} --pt-window {params.pt_window}"
        " --mass-window {params.mass_window} --flatten-bins {params.flatten_bins}"
        " --split {params.split} --max-towers {params.max_towers} --seed {params.seed}"
        " > {log:q} 2>&1"


rule jets_dataset:
    input:
        JETS_DATASET.values(),
