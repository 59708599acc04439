# Jets 3/4: one training job and one evaluation job per (model, seed) from jets.models x
# jets.seeds, on the dataset of jets_dataset.smk.
#
# Each rule's params hold exactly what its job depends on (that model's model_params, the
# train settings, the seeds, the device), so changing one model's hyper-parameter reruns
# only that model's jobs. Training resumes from checkpoint_last.pt (beside model.pt) after
# a crash; a checkpoint left by other settings (params changed on purpose) is restarted.


rule jets_train:
    input:
        train=JETS_DATASET["train"],
        val=JETS_DATASET["val"],
    output:
        model=f"{OUT}/jets/models/{{model}}/seed{{seed}}/model.pt",
        history=f"{OUT}/jets/models/{{model}}/seed{{seed}}/history.csv",
    log:
        f"{OUT}/logs/jets/train/{{model}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/train/{{model}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(JETS["models"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        model_params=lambda w: JETS_PLAN.params_json(w.model),
        train=JETS_PLAN.train_json(with_compile=True),
        frame_flags=lambda w: frame_flags(w.model, JETS_PLAN.main_frame()),
        seed=config["seed"],
        classes=JETS["classes"],
        device=config["device"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("jets_train", JETS_PLAN.dataset_size()),
        runtime=runtime("jets_train", JETS_PLAN.dataset_size() * JETS["train"]["epochs"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets train --model {wildcards.model} --replica {wildcards.seed}"
        " --seed {params.seed} --train {input.train:q} --val {input.val:q}"
        " --out-model {output.model:q} --out-history {output.history:q} --classes {params.classes}"
        " --train-json {params.train:q} {params.frame_flags} --params {params.model_params:q}"
        " --threads {threads} --device {params.device}"
        " --restart-stale > {log:q} 2>&1"


rule jets_evaluate:
    input:
        model=rules.jets_train.output.model,
        test=JETS_DATASET["test"],
    output:
        predictions=f"{OUT}/jets/eval/{{model}}/seed{{seed}}/predictions.parquet",
        metrics=f"{OUT}/jets/eval/{{model}}/seed{{seed}}/metrics.json",
    log:
        f"{OUT}/logs/jets/evaluate/{{model}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/evaluate/{{model}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(JETS["models"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        device=config["device"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("jets_evaluate", JETS_PLAN.split_size("test")),
        runtime=runtime("jets_evaluate", JETS_PLAN.split_size("test")),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets evaluate --checkpoint {input.model:q} --test {input.test:q}"
        " --out-predictions {output.predictions:q} --out-metrics {output.metrics:q}"
        " --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_models:
    input:
        expand(rules.jets_train.output.model, **JETS_PLAN.runs()),
        expand(rules.jets_evaluate.output.metrics, **JETS_PLAN.runs()),
