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
        train=JETS_DATASET["train"],
        val=JETS_DATASET["val"],
    output:
        model=f"{JETS_CURVE_DIR}/{CURVE_RUN}/model.pt",
        history=f"{JETS_CURVE_DIR}/{CURVE_RUN}/history.csv",
    log:
        f"{OUT}/logs/jets/learning_curve/train/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/train/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(JETS_CURVE["models"]),
        frame=alternatives(FRAMES),
        fraction=alternatives(JETS_CURVE["fractions"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        model_params=lambda w: JETS_PLAN.params_json(w.model),
        frame_flags=lambda w: frame_flags(w.model, w.frame),
        train=JETS_PLAN.train_json(with_compile=False),
        seed=config["seed"],
        device=config["device"],
        classes=JETS["classes"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("jets_curve_train", JETS_PLAN.dataset_size()),
        runtime=lambda w: runtime("jets_curve_train", JETS_PLAN.curve_fit_size(w.fraction) * JETS["train"]["epochs"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets train --model {wildcards.model} --replica {wildcards.seed}"
        " --seed {params.seed} --train {input.train:q} --val {input.val:q}"
        " --out-model {output.model:q} --out-history {output.history:q} --classes {params.classes}"
        " --train-fraction {wildcards.fraction} {params.frame_flags} --train-json {params.train:q}"
        " --params {params.model_params:q} --threads {threads} --device {params.device}"
        " --restart-stale > {log:q} 2>&1"


rule jets_curve_evaluate:
    input:
        model=rules.jets_curve_train.output.model,
        test=JETS_DATASET["test"],
    output:
        predictions=f"{JETS_CURVE_DIR}/{CURVE_RUN}/predictions.parquet",
        metrics=f"{JETS_CURVE_DIR}/{CURVE_RUN}/metrics.json",
    log:
        f"{OUT}/logs/jets/learning_curve/evaluate/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/evaluate/{{model}}/{{frame}}/f{{fraction}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(JETS_CURVE["models"]),
        frame=alternatives(FRAMES),
        fraction=alternatives(JETS_CURVE["fractions"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        device=config["device"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("jets_curve_evaluate", JETS_PLAN.split_size("test")),
        runtime=runtime("jets_curve_evaluate", JETS_PLAN.split_size("test")),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets evaluate --checkpoint {input.model:q} --test {input.test:q}"
        " --out-predictions {output.predictions:q} --out-metrics {output.metrics:q}"
        " --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_curve_trees:
    input:
        train=JETS_DATASET["train"],
        test=JETS_DATASET["test"],
    output:
        metrics=f"{JETS_CURVE_DIR}/{TREES_RUN}/metrics.json",
    log:
        f"{OUT}/logs/jets/learning_curve/trees/f{{fraction}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/learning_curve/trees/f{{fraction}}/seed{{seed}}.tsv"
    wildcard_constraints:
        fraction=alternatives(JETS_CURVE["fractions"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=mem_mb("jets_curve_trees", JETS_PLAN.split_size("train")),
        runtime=runtime("jets_curve_trees", JETS_PLAN.split_size("train")),
    conda:
        CONDA_ENV
    shell:
        "OMP_NUM_THREADS={threads} {params.attnphys} jets trees --train {input.train:q} --test {input.test:q}"
        " --out-metrics {output.metrics:q} --replica {wildcards.seed} --seed {params.seed}"
        " --train-fraction {wildcards.fraction} > {log:q} 2>&1"


rule jets_build_learning_curve:
    input:
        JETS_PLAN.curve_metrics(),
    output:
        table=result(f"{JETS_CURVE_DIR}/table.csv", "jets", "learning_curve_table", figure="learning curve table",
                     model="all"),
        fits=f"{JETS_CURVE_DIR}/fits.csv",
        figure=result(f"{JETS_CURVE_DIR}/learning_curve.png", "jets", "learning_curve", figure="learning curve",
                      model="all"),
        markdown=result(f"{JETS_CURVE_DIR}/learning_curve.md", "jets", "learning_curve_ordering",
                        figure="learning curve ordering", model="all"),
    log:
        f"{OUT}/logs/jets/learning_curve/build.log",
    params:
        attnphys=ATTNPHYS,
        frame=JETS_PLAN.main_frame(),
        seed=config["seed"],
        runs=len(JETS_PLAN.curve_metrics()),
    threads: 1
    resources:
        mem_mb=mem_mb("jets_build_learning_curve", 0),
        runtime=runtime("jets_build_learning_curve", len(JETS_PLAN.curve_metrics())),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets learning-curve {input:q} --out-table {output.table:q}"
        " --out-fits {output.fits:q} --out-figure {output.figure:q} --out-markdown {output.markdown:q}"
        " --frame {params.frame:q} --seed {params.seed} --expected-runs {params.runs} > {log:q} 2>&1"


rule jets_learning_curve:
    input:
        rules.jets_build_learning_curve.output,
