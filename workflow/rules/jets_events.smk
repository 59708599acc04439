# Jets 1/4: Pythia 8 events of each prong class through the ATLAS-like calorimeter,
# one job per (class, chunk), written as Delphes-layout ROOT.
#   snakemake jets_events


rule jets_generate:
    output:
        f"{OUT}/jets/events/{{cls}}/{{chunk}}.root",
    log:
        f"{OUT}/logs/jets/generate/{{cls}}/{{chunk}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/generate/{{cls}}/{{chunk}}.tsv"
    wildcard_constraints:
        cls=alternatives(JETS["classes"]),
        chunk=r"\d+",
    params:
        attnphys=ATTNPHYS,
        seed=config["seed"],
        events=JETS["events_per_chunk"],
        tower_centres=JETS["tower_centres"],
        preselection="on" if JETS["preselection"] else "off",
    threads: 1
    resources:
        mem_mb=mem_mb("jets_generate", JETS["events_per_chunk"]),
        runtime=runtime("jets_generate", JETS["events_per_chunk"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets generate --class {wildcards.cls} --chunk {wildcards.chunk}"
        " --events {params.events} --seed {params.seed} --tower-centres {params.tower_centres}"
        " --preselection {params.preselection} --out {output:q} > {log:q} 2>&1"


rule jets_events:
    input:
        JETS_PLAN.generated_events(),
