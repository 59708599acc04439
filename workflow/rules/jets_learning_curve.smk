# Extreme-jet tagging, learning curves: every model of jets.learning_curve.models and the
# boosted-tree reference trained on nested, class-balanced fractions of the training split
# (jets.learning_curve.fractions) over jets.seeds, scored on the test split; then a table,
# power-law fits, a figure and where the fits put the talk's ordering.
#
# Runs live in {OUT}/jets/learning_curve/runs/{model}/{frame}/f{fraction}/seed{seed}/.
# {frame} is the tower preprocessing (jets.train preprocess[+augment] for the main curves,
# plus jets.learning_curve.frames for the tower models); the Mass + HL DNN and the trees
# see no towers and always run in frame "none". Training is `jets train --train-fraction`,
# the one training engine; evaluation is `jets evaluate`. Not part of `all`: run
#   snakemake jets_learning_curve --cores all --configfile workflow/configs/scale.yaml


rule jets_curve_train:
    input:
        train=rules.jets_build_dataset.output.train,
        val=rules.jets_build_dataset.output.val,
    output:
        model=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/model.pt",
        history=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/history.csv",
    log:
        f"{OUT}/logs/jets/learning_curve/train/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/train/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(JETS_CURVE["models"]),
        frame=alternatives(JETS_FRAMES),
        fraction=alternatives(JETS_CURVE["fractions"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        model_params=lambda w: json.dumps(JETS["model_params"][w.model], sort_keys=True),
        frame_flags=lambda w: jets_frame_flags(w.model, w.frame),
        epochs=JETS["train"]["epochs"],
        batch_size=JETS["train"]["batch_size"],
        lr=JETS["train"]["lr"],
        lr_scaling=JETS["train"]["lr_scaling"],
        weight_decay=JETS["train"]["weight_decay"],
        warmup_frac=JETS["train"]["warmup_frac"],
        schedule=JETS["train"]["schedule"],
        patience=JETS["train"]["patience"],
        bucket_pool=JETS["train"]["bucket_pool"],
        base_seed=config["seed"],
        device=config["device"],
        classes=JETS["classes"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(),
        mem_mb=mem_mb("jets_curve_train", jets_dataset_size()),
        runtime=lambda w: runtime("jets_curve_train", jets_curve_fit_size(w.fraction) * JETS["train"]["epochs"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets train --model {wildcards.model} --seed {wildcards.seed}"
        " --base-seed {params.base_seed} --train {input.train:q} --val {input.val:q}"
        " --out-model {output.model:q} --out-history {output.history:q} --classes {params.classes}"
        " --train-fraction {wildcards.fraction} {params.frame_flags}"
        " --epochs {params.epochs} --batch-size {params.batch_size} --lr {params.lr}"
        " --lr-scaling {params.lr_scaling}"
        " --weight-decay {params.weight_decay} --warmup-frac {params.warmup_frac}"
        " --schedule {params.schedule} --patience {params.patience} --bucket-pool {params.bucket_pool}"
        " --params {params.model_params:q} --threads {threads} --device {params.device}"
        " --restart-stale > {log:q} 2>&1"


rule jets_curve_evaluate:
    input:
        model=rules.jets_curve_train.output.model,
        test=rules.jets_build_dataset.output.test,
    output:
        predictions=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/predictions.parquet",
        metrics=f"{JETS_CURVE_DIR}/runs/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}/metrics.json",
    log:
        f"{OUT}/logs/jets/learning_curve/evaluate/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/evaluate/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(JETS_CURVE["models"]),
        frame=alternatives(JETS_FRAMES),
        fraction=alternatives(JETS_CURVE["fractions"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        device=config["device"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(),
        mem_mb=mem_mb("jets_curve_evaluate", jets_test_size()),
        runtime=runtime("jets_curve_evaluate", jets_test_size()),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets evaluate --checkpoint {input.model:q} --test {input.test:q}"
        " --out-predictions {output.predictions:q} --out-metrics {output.metrics:q}"
        " --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_curve_trees:
    input:
        train=rules.jets_build_dataset.output.train,
        test=rules.jets_build_dataset.output.test,
    output:
        metrics=f"{JETS_CURVE_DIR}/runs/trees/none/f{{fraction}}/seed{{seed}}/metrics.json",
    log:
        f"{OUT}/logs/jets/learning_curve/trees/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/trees/f{{fraction}}/seed{{seed}}.tsv"
    wildcard_constraints:
        fraction=alternatives(JETS_CURVE["fractions"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        base_seed=config["seed"],
    threads: 1
    resources:
        mem_mb=mem_mb("jets_curve_trees", jets_train_size()),
        runtime=runtime("jets_curve_trees", jets_train_size()),
    conda:
        CONDA_ENV
    shell:
        "OMP_NUM_THREADS={threads} {params.attnphys} jets trees --train {input.train:q} --test {input.test:q}"
        " --out-metrics {output.metrics:q} --seed {wildcards.seed} --base-seed {params.base_seed}"
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
    log:
        f"{OUT}/logs/jets/learning_curve/build.log",
    params:
        attnphys=ATTNPHYS,
        frame=jets_main_frame(),
        seed=config["seed"],
        runs=len(curve_metrics()),
    threads: 1
    resources:
        mem_mb=mem_mb("jets_build_learning_curve", 0),
        runtime=runtime("jets_build_learning_curve", len(curve_metrics())),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets learning-curve {input:q} --out-table {output.table:q}"
        " --out-fits {output.fits:q} --out-figure {output.figure:q} --out-markdown {output.markdown:q}"
        " --frame {params.frame:q} --seed {params.seed} --expected-runs {params.runs} > {log:q} 2>&1"


rule jets_learning_curve:
    input:
        rules.jets_build_learning_curve.output,
