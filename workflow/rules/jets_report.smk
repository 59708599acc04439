# rules: jets_report -- the talk's table and figures from every configured (model, seed).
#
# Inputs: the dataset splits (jets_dataset.smk), the training histories (jets_models.smk)
# and the evaluation of each (model, seed) (jets_models.smk). The report refuses to run on
# fewer seeds than jets.seeds; the figures are flagged for `snakemake --report report.html`.

import json

report: "../report/workflow.rst"

JETS_REPORT_DIR = f"{OUT}/jets/report"
JETS_REPORT_RUNS = dict(model=config["jets"]["models"], seed=config["jets"]["seeds"])


def jets_report_figure(name, caption, figure, model="all"):
    return report(
        f"{JETS_REPORT_DIR}/{name}.png",
        caption=f"../report/{caption}.rst",
        category="Extreme-jet tagging",
        labels={"figure": figure, "model": model},
    )


rule jets_build_report:
    input:
        metrics=expand(f"{OUT}/jets/eval/{{model}}/seed{{seed}}/metrics.json", **JETS_REPORT_RUNS),
        predictions=expand(f"{OUT}/jets/eval/{{model}}/seed{{seed}}/predictions.parquet", **JETS_REPORT_RUNS),
        history=expand(f"{OUT}/jets/models/{{model}}/seed{{seed}}/history.csv", **JETS_REPORT_RUNS),
        dataset=expand(f"{OUT}/jets/dataset/{{split}}.parquet", split=["train", "val", "test"]),
        dataset_summary=f"{OUT}/jets/dataset/summary.json",
    output:
        summary=report(
            f"{JETS_REPORT_DIR}/summary.csv",
            caption="../report/summary.rst",
            category="Extreme-jet tagging",
            labels={"figure": "accuracy table", "model": "all"},
        ),
        markdown=f"{JETS_REPORT_DIR}/report.md",
        confusion=[
            jets_report_figure(f"confusion_{model}", "confusion", "confusion matrix", model)
            for model in config["jets"]["models"]
        ],
        accuracy_vs_mass=jets_report_figure("accuracy_vs_mass", "accuracy_vs_mass", "accuracy vs jet mass"),
        spectra=jets_report_figure("dataset_mass_pt", "dataset_spectra", "dataset mass and pT", "dataset"),
        curves=jets_report_figure("training_curves", "training_curves", "training curves"),
    params:
        eval_dir=f"{OUT}/jets/eval",
        models_dir=f"{OUT}/jets/models",
        dataset_dir=f"{OUT}/jets/dataset",
        out_dir=JETS_REPORT_DIR,
        models=config["jets"]["models"],
        seeds=config["jets"]["seeds"],
        mass_window=config["jets"]["mass_window"],
        pt_window=config["jets"]["pt_window"],
        # The config shown in the report: the global keys and the jets block, nothing else.
        config_json=json.dumps(
            {key: config[key] for key in ("seed", "outdir", "device", "jets")}, sort_keys=True
        ),
    log:
        "logs/jets/report.log",
    shell:
        "{ATTNPHYS} jets report --eval-dir {params.eval_dir} --models-dir {params.models_dir}"
        " --dataset-dir {params.dataset_dir} --models {params.models} --seeds {params.seeds}"
        " --mass-window {params.mass_window} --pt-window {params.pt_window}"
        " --config-json {params.config_json:q} --out-dir {params.out_dir} > {log} 2>&1"


rule jets_report:
    input:
        rules.jets_build_report.output,


AREA_TARGETS["jets"] = [f"{JETS_REPORT_DIR}/report.md", f"{JETS_REPORT_DIR}/summary.csv"]
