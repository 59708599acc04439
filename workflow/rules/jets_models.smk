# Extreme-jet tagging, models stage: one training job and one evaluation job per
# (model, seed) from jets.models x jets.seeds, on the dataset of jets_dataset.smk.
#
# Each rule's params hold exactly what its job depends on (that model's model_params, the
# train settings, the seeds, the device), so changing one model's hyper-parameter reruns
# only that model's jobs. Training resumes from checkpoint_last.pt after a crash; a
# checkpoint left by other settings (params changed on purpose) is restarted afresh.

import json

JETS_DATASET_DIR = f"{OUT}/jets/dataset"
JETS_MODELS_DIR = f"{OUT}/jets/models"
JETS_EVAL_DIR = f"{OUT}/jets/eval"
JETS_TRAIN = config["jets"]["train"]


wildcard_constraints:
    model="hl_dnn|pfn|transformer|part",
    seed=r"\d+",


rule jets_train:
    input:
        train=f"{JETS_DATASET_DIR}/train.parquet",
        val=f"{JETS_DATASET_DIR}/val.parquet",
    output:
        model=f"{JETS_MODELS_DIR}/{{model}}/seed{{seed}}/model.pt",
        history=f"{JETS_MODELS_DIR}/{{model}}/seed{{seed}}/history.csv",
    params:
        model_params=lambda w: json.dumps(config["jets"]["model_params"][w.model], sort_keys=True),
        epochs=JETS_TRAIN["epochs"],
        batch_size=JETS_TRAIN["batch_size"],
        lr=JETS_TRAIN["lr"],
        weight_decay=JETS_TRAIN["weight_decay"],
        warmup_frac=JETS_TRAIN["warmup_frac"],
        schedule=JETS_TRAIN["schedule"],
        patience=JETS_TRAIN["patience"],
        bucket_pool=JETS_TRAIN["bucket_pool"],
        compile="--compile" if JETS_TRAIN["compile"] else "",
        # Tower frame (attnphys.jets.preprocess); the Mass + HL DNN sees no towers.
        frame_flags=lambda w: "" if w.model == "hl_dnn" else (
            f"--preprocess {JETS_TRAIN['preprocess']}" + (" --augment" if JETS_TRAIN["augment"] else "")),
        base_seed=config["seed"],
        device=config["device"],
        outdir=lambda w: f"{JETS_MODELS_DIR}/{w.model}/seed{w.seed}",
    threads: config["jets"]["threads"]
    resources:
        gpu=1,
    log:
        "logs/jets/train/{model}/seed{seed}.log",
    shell:
        "{ATTNPHYS} jets train --model {wildcards.model} --seed {wildcards.seed}"
        " --base-seed {params.base_seed} --dataset {JETS_DATASET_DIR:q} --out {params.outdir:q}"
        " --epochs {params.epochs} --batch-size {params.batch_size} --lr {params.lr}"
        " --weight-decay {params.weight_decay} --warmup-frac {params.warmup_frac}"
        " --schedule {params.schedule} --patience {params.patience} --bucket-pool {params.bucket_pool}"
        " {params.compile} {params.frame_flags}"
        " --params {params.model_params:q} --threads {threads} --device {params.device}"
        " --restart-stale > {log:q} 2>&1"


rule jets_evaluate:
    input:
        model=f"{JETS_MODELS_DIR}/{{model}}/seed{{seed}}/model.pt",
        test=f"{JETS_DATASET_DIR}/test.parquet",
    output:
        predictions=f"{JETS_EVAL_DIR}/{{model}}/seed{{seed}}/predictions.parquet",
        metrics=f"{JETS_EVAL_DIR}/{{model}}/seed{{seed}}/metrics.json",
    params:
        device=config["device"],
        model_dir=lambda w: f"{JETS_MODELS_DIR}/{w.model}/seed{w.seed}",
        outdir=lambda w: f"{JETS_EVAL_DIR}/{w.model}/seed{w.seed}",
    threads: config["jets"]["threads"]
    resources:
        gpu=1,
    log:
        "logs/jets/evaluate/{model}/seed{seed}.log",
    shell:
        "{ATTNPHYS} jets evaluate --model-dir {params.model_dir:q} --test {input.test:q}"
        " --out {params.outdir:q} --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_models:
    input:
        expand(f"{JETS_MODELS_DIR}/{{model}}/seed{{seed}}/model.pt",
               model=config["jets"]["models"], seed=config["jets"]["seeds"]),
