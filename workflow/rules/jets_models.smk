# Jets 3/4: one training job and one evaluation job per (model, seed) from jets.models x
# jets.seeds, on the dataset of jets_dataset.smk.
#
# Each rule's params hold exactly what its job depends on (that model's model_params, the
# train settings, the seeds, the device), so changing one model's hyper-parameter reruns
# only that model's jobs. Training resumes from checkpoint_last.pt (beside model.pt) after
# a crash; a checkpoint left by other settings (params changed on purpose) is restarted.


rule jets_train:
    input:
        train=rules.jets_build_dataset.output.train,
        val=rules.jets_build_dataset.output.val,
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
        model_params=lambda w: json.dumps(JETS["model_params"][w.model], sort_keys=True),
        epochs=JETS["train"]["epochs"],
        batch_size=JETS["train"]["batch_size"],
        lr=JETS["train"]["lr"],
        lr_scaling=JETS["train"]["lr_scaling"],
        weight_decay=JETS["train"]["weight_decay"],
        warmup_frac=JETS["train"]["warmup_frac"],
        schedule=JETS["train"]["schedule"],
        patience=JETS["train"]["patience"],
        bucket_pool=JETS["train"]["bucket_pool"],
        compile="--compile" if JETS["train"]["compile"] else "",
        frame_flags=lambda w: jets_frame_flags(w.model, jets_main_frame()),
        base_seed=config["seed"],
        classes=JETS["classes"],
        device=config["device"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(),
        mem_mb=mem_mb("jets_train", jets_dataset_size()),
        runtime=runtime("jets_train", jets_dataset_size() * JETS["train"]["epochs"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets train --model {wildcards.model} --seed {wildcards.seed}"
        " --base-seed {params.base_seed} --train {input.train:q} --val {input.val:q}"
        " --out-model {output.model:q} --out-history {output.history:q} --classes {params.classes}"
        " --epochs {params.epochs} --batch-size {params.batch_size} --lr {params.lr}"
        " --lr-scaling {params.lr_scaling}"
        " --weight-decay {params.weight_decay} --warmup-frac {params.warmup_frac}"
        " --schedule {params.schedule} --patience {params.patience} --bucket-pool {params.bucket_pool}"
        " {params.compile} {params.frame_flags} --params {params.model_params:q} --threads {threads} --device {params.device}"
        " --restart-stale > {log:q} 2>&1"


rule jets_evaluate:
    input:
        model=rules.jets_train.output.model,
        test=rules.jets_build_dataset.output.test,
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
        gpu=gpu_request(),
        mem_mb=mem_mb("jets_evaluate", jets_test_size()),
        runtime=runtime("jets_evaluate", jets_test_size()),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets evaluate --checkpoint {input.model:q} --test {input.test:q}"
        " --out-predictions {output.predictions:q} --out-metrics {output.metrics:q}"
        " --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_models:
    input:
        expand(rules.jets_train.output.model, **JETS_RUNS),
        expand(rules.jets_evaluate.output.metrics, **JETS_RUNS),
