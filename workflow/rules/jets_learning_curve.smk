# Extreme-jet tagging, learning curves: every model of jets.models and the boosted-tree
# reference trained on nested, class-balanced fractions of the training split
# (jets.learning_curve.fractions) over jets.seeds, scored on the test split; then a table,
# power-law fits, a figure and where the fits put the talk's ordering.
#
# Runs live in {OUT}/jets/learning_curve/runs/{model}/{frame}/f{fraction}/seed{seed}/.
# {frame} is the tower preprocessing (jets.train preprocess[+augment] for the main curves,
# plus jets.learning_curve.frames for the tower models); the Mass + HL DNN and the trees
# see no towers and always run in frame "none". Training is `attnphys jets train
# --train-fraction`, the one training engine; evaluation is `attnphys jets evaluate`.

JETS_CURVE_DIR = f"{OUT}/jets/learning_curve"
JETS_CURVE = config["jets"]["learning_curve"]


def curve_frame(preprocess, augment):
    return preprocess + ("+augment" if augment else "")


JETS_MAIN_FRAME = curve_frame(config["jets"]["train"]["preprocess"], config["jets"]["train"]["augment"])


def curve_frames(model):
    """Tower frames a model runs in on the learning curve (main frame first)."""
    if model == "hl_dnn":
        return ["none"]
    return list(dict.fromkeys([JETS_MAIN_FRAME, *JETS_CURVE["frames"]]))


def curve_metrics():
    runs = [
        f"{JETS_CURVE_DIR}/runs/{model}/{frame}/f{fraction}/seed{seed}/metrics.json"
        for model in config["jets"]["models"]
        for frame in curve_frames(model)
        for fraction in JETS_CURVE["fractions"]
        for seed in config["jets"]["seeds"]
    ]
    trees = [
        f"{JETS_CURVE_DIR}/runs/trees/none/f{fraction}/seed{seed}/metrics.json"
        for fraction in JETS_CURVE["fractions"]
        for seed in config["jets"]["seeds"]
    ]
    return runs + trees


def curve_train_flags(wildcards):
    preprocess, _, augment = wildcards.frame.partition("+")
    return f"--preprocess {preprocess}" + (" --augment" if augment else "")


rule jets_curve_train:
    input:
        train=f"{OUT}/jets/dataset/train.parquet",
        val=f"{OUT}/jets/dataset/val.parquet",
    output:
        model=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/model.pt",
        history=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/history.csv",
    wildcard_constraints:
        model="hl_dnn|pfn|transformer|part",
        frame=r"none|centre|standard|none\+augment|centre\+augment",
        fraction=r"[0-9.]+",
    params:
        model_params=lambda w: json.dumps(config["jets"]["model_params"][w.model], sort_keys=True),
        frame_flags=curve_train_flags,
        train={key: v for key, v in JETS_TRAIN.items() if key not in ("preprocess", "augment", "compile")},
        base_seed=config["seed"],
        device=config["device"],
        dataset=lambda w, input: os.path.dirname(input.train),
        outdir=lambda w, output: os.path.dirname(output.model),
    threads: config["jets"]["threads"]
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=240,
    log:
        f"{OUT}/logs/jets/learning_curve/train/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/train/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.tsv"
    conda:
        "../../envs/attnphys.yaml"
    shell:
        "attnphys jets train --model {wildcards.model} --seed {wildcards.seed}"
        " --base-seed {params.base_seed} --dataset {params.dataset:q} --out {params.outdir:q}"
        " --train-fraction {wildcards.fraction} {params.frame_flags}"
        " --epochs {params.train[epochs]} --batch-size {params.train[batch_size]} --lr {params.train[lr]}"
        " --weight-decay {params.train[weight_decay]} --warmup-frac {params.train[warmup_frac]}"
        " --schedule {params.train[schedule]} --patience {params.train[patience]}"
        " --bucket-pool {params.train[bucket_pool]}"
        " --params {params.model_params:q} --threads {threads} --device {params.device}"
        " --restart-stale > {log:q} 2>&1"


rule jets_curve_evaluate:
    input:
        model=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/model.pt",
        test=f"{OUT}/jets/dataset/test.parquet",
    output:
        predictions=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/predictions.parquet",
        metrics=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/metrics.json",
    wildcard_constraints:
        model="hl_dnn|pfn|transformer|part",
        frame=r"none|centre|standard|none\+augment|centre\+augment",
        fraction=r"[0-9.]+",
    params:
        device=config["device"],
        model_dir=lambda w, input: os.path.dirname(input.model),
        outdir=lambda w, output: os.path.dirname(output.metrics),
    threads: config["jets"]["threads"]
    resources:
        gpu=1,
        mem_mb=4000,
        runtime=30,
    log:
        f"{OUT}/logs/jets/learning_curve/evaluate/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.log",
    conda:
        "../../envs/attnphys.yaml"
    shell:
        "attnphys jets evaluate --model-dir {params.model_dir:q} --test {input.test:q}"
        " --out {params.outdir:q} --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_curve_trees:
    input:
        train=f"{OUT}/jets/dataset/train.parquet",
        test=f"{OUT}/jets/dataset/test.parquet",
    output:
        metrics=f"{JETS_CURVE_DIR}/runs/trees/none/f{{fraction}}/seed{{seed}}/metrics.json",
    wildcard_constraints:
        fraction=r"[0-9.]+",
    params:
        base_seed=config["seed"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        f"{OUT}/logs/jets/learning_curve/trees/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/trees/f{{fraction}}/seed{{seed}}.tsv"
    conda:
        "../../envs/attnphys.yaml"
    shell:
        "OMP_NUM_THREADS={threads} attnphys jets trees --train {input.train:q} --test {input.test:q}"
        " --out {output.metrics:q} --seed {wildcards.seed} --base-seed {params.base_seed}"
        " --train-fraction {wildcards.fraction} > {log:q} 2>&1"


rule jets_build_learning_curve:
    input:
        curve_metrics(),
    output:
        table=report(
            f"{JETS_CURVE_DIR}/table.csv",
            caption="../report/learning_curve_table.rst",
            category="Extreme-jet tagging",
            labels={"figure": "learning curve table", "model": "all"},
        ),
        fits=f"{JETS_CURVE_DIR}/fits.csv",
        figure=report(
            f"{JETS_CURVE_DIR}/learning_curve.png",
            caption="../report/learning_curve.rst",
            category="Extreme-jet tagging",
            labels={"figure": "learning curve", "model": "all"},
        ),
        markdown=report(
            f"{JETS_CURVE_DIR}/learning_curve.md",
            caption="../report/learning_curve_ordering.rst",
            category="Extreme-jet tagging",
            labels={"figure": "learning curve ordering", "model": "all"},
        ),
    params:
        out_dir=JETS_CURVE_DIR,
        frame=JETS_MAIN_FRAME,
        seed=config["seed"],
        runs=len(curve_metrics()),
    resources:
        mem_mb=2000,
        runtime=10,
    log:
        f"{OUT}/logs/jets/learning_curve/build.log",
    conda:
        "../../envs/attnphys.yaml"
    shell:
        "attnphys jets learning-curve {input:q} --out-dir {params.out_dir:q} --frame {params.frame:q}"
        " --seed {params.seed} --expected-runs {params.runs} > {log:q} 2>&1"


rule jets_learning_curve:
    input:
        rules.jets_build_learning_curve.output,
