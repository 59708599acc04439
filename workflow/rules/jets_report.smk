# Jets 4/4: the talk's table and figures from every configured (model, seed).
#
# Inputs: the dataset splits (jets_dataset.smk), the training histories and the evaluation
# of each (model, seed) (jets_models.smk), in jets.models x jets.seeds order. The figures
# are flagged for `snakemake --report report.html`.


report: "../report/workflow.rst"


rule jets_build_report:
    input:
        metrics=expand(rules.jets_evaluate.output.metrics, **JETS_RUNS),
        predictions=expand(rules.jets_evaluate.output.predictions, **JETS_RUNS),
        history=expand(rules.jets_train.output.history, **JETS_RUNS),
        train=JETS_DATASET["train"],
        val=JETS_DATASET["val"],
        test=JETS_DATASET["test"],
        dataset_summary=JETS_DATASET["summary"],
    output:
        summary=report(
            f"{OUT}/jets/report/summary.csv",
            caption="../report/summary.rst",
            category="Extreme-jet tagging",
            labels={"figure": "accuracy table", "model": "all"},
        ),
        markdown=f"{OUT}/jets/report/report.md",
        confusion=[
            jets_report_figure(f"confusion_{model}", "confusion", "confusion matrix", model)
            for model in JETS["models"]
        ],
        accuracy_vs_mass=jets_report_figure("accuracy_vs_mass", "accuracy_vs_mass", "accuracy vs jet mass"),
        spectra=jets_report_figure("dataset_mass_pt", "dataset_spectra", "dataset mass and pT", "dataset"),
        curves=jets_report_figure("training_curves", "training_curves", "training curves"),
        roc=[jets_report_figure(f"roc_{model}", "roc", "ROC curves", model) for model in JETS["models"]],
        roc_table=report(
            f"{OUT}/jets/report/roc.csv",
            caption="../report/roc_table.rst",
            category="Extreme-jet tagging",
            labels={"figure": "AUC and QCD rejection", "model": "all"},
        ),
    log:
        f"{OUT}/logs/jets/report.log",
    params:
        attnphys=ATTNPHYS,
        models=JETS["models"],
        seeds=JETS["seeds"],
        mass_window=JETS["mass_window"],
        pt_window=JETS["pt_window"],
        config_json=jets_report_config(),
    threads: 1
    resources:
        mem_mb=mem_mb("jets_evaluate", jets_dataset_size()),
        runtime=10,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets report --models {params.models} --seeds {params.seeds}"
        " --metrics {input.metrics:q} --predictions {input.predictions:q} --histories {input.history:q}"
        " --train {input.train:q} --val {input.val:q} --test {input.test:q}"
        " --dataset-summary {input.dataset_summary:q}"
        " --mass-window {params.mass_window} --pt-window {params.pt_window}"
        " --config-json {params.config_json:q} --out-summary {output.summary:q}"
        " --out-markdown {output.markdown:q} --out-confusion {output.confusion:q}"
        " --out-accuracy-vs-mass {output.accuracy_vs_mass:q} --out-spectra {output.spectra:q}"
        " --out-curves {output.curves:q} --out-roc {output.roc:q} --out-roc-table {output.roc_table:q}"
        " > {log:q} 2>&1"


rule jets_report:
    input:
        rules.jets_build_report.output,


AREA_TARGETS["jets"] = [rules.jets_build_report.output.markdown, rules.jets_build_report.output.summary]
