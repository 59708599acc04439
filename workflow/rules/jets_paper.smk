# Jets from the paper's own data: the authors' published N-prong file (jets.paper_file,
# dataset_PtNormed.h5 of Zenodo record 10404290) -> the dataset splits, and the cross-source
# table (taggers trained on one source, tested on both).
#
# jets.source: paper makes jets_paper_dataset write {outdir}/jets/dataset/ (JETS_DATASET, and the
# simulated splits move to {outdir}/jets/cross/simulation/dataset/), so training, evaluation,
# report, learning curve, predict and export run unchanged on the paper's jets. With
# jets.paper_file given, `snakemake jets_cross` also builds the other source beside it
# (attnphys.jets.sources: {outdir}/jets/cross/{source}/...) and writes jets/report/cross_source.md.


rule jets_paper_dataset:
    input:
        paper=jet_sources.paper_input(JETS),
    output:
        train=f"{JETS_PAPER_DIR}/train.parquet",
        val=f"{JETS_PAPER_DIR}/val.parquet",
        test=f"{JETS_PAPER_DIR}/test.parquet",
        summary=f"{JETS_PAPER_DIR}/summary.json",
        consistency=f"{JETS_PAPER_DIR}/consistency.json",
    log:
        f"{OUT}/logs/jets/paper_dataset.log",
    benchmark:
        f"{OUT}/benchmarks/jets/paper_dataset.tsv"
    params:
        attnphys=ATTNPHYS,
        classes=JETS["classes"],
        split=JETS["paper_split"],
        max_towers=JETS["max_towers"],
        pt_window=JETS["pt_window"],
        mass_window=JETS["mass_window"],
        check_jets=JETS["paper_check_jets"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=mem_mb("jets_build_dataset", JETS_PAPER_JETS),
        runtime=runtime("jets_build_dataset", JETS_PAPER_JETS),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets paper-dataset {input.paper:q} --out-train {output.train:q} --out-val {output.val:q}"
        " --out-test {output.test:q} --out-summary {output.summary:q} --out-consistency {output.consistency:q}"
        " --classes {params.classes} --split {params.split} --max-towers {params.max_towers}"
        " --pt-window {params.pt_window} --mass-window {params.mass_window} --check-jets {params.check_jets}"
        " --seed {params.seed} > {log:q} 2>&1"


JETS_OTHER_DIR = jet_sources.dataset_dir(OUT, JETS, JETS_OTHER)


use rule jets_train as jets_cross_train with:
    input:
        train=f"{JETS_OTHER_DIR}/train.parquet",
        val=f"{JETS_OTHER_DIR}/val.parquet",
    output:
        model=f"{OUT}/jets/cross/{JETS_OTHER}/models/{{model}}/seed{{seed}}/model.pt",
        history=f"{OUT}/jets/cross/{JETS_OTHER}/models/{{model}}/seed{{seed}}/history.csv",
    log:
        f"{OUT}/logs/jets/cross/train/{JETS_OTHER}/{{model}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/cross/train/{JETS_OTHER}/{{model}}/seed{{seed}}.tsv"


use rule jets_evaluate as jets_cross_evaluate with:
    input:
        model=lambda w: jet_sources.model_file(OUT, JETS, w.trained, w.model, w.seed),
        test=lambda w: f"{jet_sources.dataset_dir(OUT, JETS, w.tested)}/test.parquet",
    output:
        predictions=f"{OUT}/jets/cross/eval/{{trained}}_on_{{tested}}/{{model}}/seed{{seed}}/predictions.parquet",
        metrics=f"{OUT}/jets/cross/eval/{{trained}}_on_{{tested}}/{{model}}/seed{{seed}}/metrics.json",
    log:
        f"{OUT}/logs/jets/cross/evaluate/{{trained}}_on_{{tested}}/{{model}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/cross/evaluate/{{trained}}_on_{{tested}}/{{model}}/seed{{seed}}.tsv"
    wildcard_constraints:
        trained="simulation|paper",
        tested="simulation|paper",
        model=alternatives(JETS["models"]),
        seed=alternatives(JETS["seeds"]),


rule jets_cross_table:
    input:
        metrics=lambda w: [run["metrics"] for run in jet_sources.cross_runs(OUT, JETS)],
    output:
        csv=f"{OUT}/jets/report/cross_source.csv",
        markdown=f"{OUT}/jets/report/cross_source.md",
    log:
        f"{OUT}/logs/jets/cross_source.log",
    params:
        attnphys=ATTNPHYS,
        trained=lambda w: [run["trained"] for run in jet_sources.cross_runs(OUT, JETS)],
        tested=lambda w: [run["tested"] for run in jet_sources.cross_runs(OUT, JETS)],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets cross-source --metrics {input.metrics:q} --trained {params.trained}"
        " --tested {params.tested} --out-csv {output.csv:q} --out-markdown {output.markdown:q} > {log:q} 2>&1"


rule jets_cross:
    input:
        rules.jets_cross_table.output,
