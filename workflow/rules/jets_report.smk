# Jets 4/4: the talk's table and figures from every configured (model, seed).
#
# Inputs: the dataset splits (jets_dataset.smk), the training histories and the evaluation
# of each (model, seed) (jets_models.smk), in jets.models x jets.seeds order. The figures
# are flagged for `snakemake --report report.html`.


report: "../report/workflow.rst"


rule jets_build_report:
    input:
        metrics=expand(rules.jets_evaluate.output.metrics, **JETS_PLAN.runs()),
        predictions=expand(rules.jets_evaluate.output.predictions, **JETS_PLAN.runs()),
        history=expand(rules.jets_train.output.history, **JETS_PLAN.runs()),
        train=JETS_DATASET["train"],
        val=JETS_DATASET["val"],
        test=JETS_DATASET["test"],
        dataset_summary=JETS_DATASET["summary"],
    output:
        summary=result(f"{OUT}/jets/report/summary.csv", "jets", "summary", figure="accuracy table", model="all"),
        markdown=f"{OUT}/jets/report/report.md",
        confusion=[
            result(f"{OUT}/jets/report/confusion_{model}.png", "jets", "confusion", figure="confusion matrix", model=model)
            for model in JETS["models"]
        ],
        accuracy_vs_mass=result(f"{OUT}/jets/report/accuracy_vs_mass.png", "jets", "accuracy_vs_mass",
                                figure="accuracy vs jet mass", model="all"),
        spectra=result(f"{OUT}/jets/report/dataset_mass_pt.png", "jets", "dataset_spectra",
                       figure="dataset mass and pT", model="dataset"),
        curves=result(f"{OUT}/jets/report/training_curves.png", "jets", "training_curves",
                      figure="training curves", model="all"),
        roc=[result(f"{OUT}/jets/report/roc_{model}.png", "jets", "roc", figure="ROC curves", model=model)
             for model in JETS["models"]],
        roc_table=result(f"{OUT}/jets/report/roc.csv", "jets", "roc_table", figure="AUC and QCD rejection", model="all"),
    log:
        f"{OUT}/logs/jets/report.log",
    params:
        attnphys=ATTNPHYS,
        models=JETS["models"],
        seeds=JETS["seeds"],
        mass_window=JETS["mass_window"],
        pt_window=JETS["pt_window"],
        config_json=JETS_PLAN.report_config(),
    threads: 1
    resources:
        mem_mb=mem_mb("jets_evaluate", JETS_PLAN.dataset_size()),
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
