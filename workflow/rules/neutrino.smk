# Neutrino classification in a NOvA-like detector: simulate (chunks) -> dataset.h5 (prongs,
# pixel maps) -> train / evaluate each (model, seed) -> report (summary.csv, report.md, figures).


rule neutrino_simulate:
    output:
        events=f"{OUT}/neutrino/chunks/events_{{chunk}}.parquet",
        hits=f"{OUT}/neutrino/chunks/hits_{{chunk}}.parquet",
    log:
        f"{OUT}/logs/neutrino/simulate/{{chunk}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/simulate/{{chunk}}.tsv"
    wildcard_constraints:
        chunk=alternatives(NU_PLAN.chunks()),
    params:
        attnphys=ATTNPHYS,
        n=NU["events_per_chunk"],
        seed=config["seed"],
        axial_mass=NU["axial_mass"],
        beam=json.dumps(NU["beam"], sort_keys=True),
        detector=json.dumps(NU["detector"], sort_keys=True),
    threads: 1
    resources:
        mem_mb=mem_mb("neutrino_simulate", 4 * NU["events_per_chunk"]),
        runtime=runtime("neutrino_simulate", 4 * NU["events_per_chunk"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutrino simulate --events-per-class {params.n} --seed {params.seed}"
        " --chunk {wildcards.chunk} --axial-mass {params.axial_mass} --beam {params.beam:q}"
        " --detector {params.detector:q} --out-events {output.events:q} --out-hits {output.hits:q} > {log:q} 2>&1"


rule neutrino_dataset:
    input:
        events=expand(rules.neutrino_simulate.output.events, chunk=NU_PLAN.chunks()),
        hits=expand(rules.neutrino_simulate.output.hits, chunk=NU_PLAN.chunks()),
    output:
        dataset=f"{OUT}/neutrino/dataset.h5",
        stats=f"{OUT}/neutrino/prong_stats.json",
    log:
        f"{OUT}/logs/neutrino/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/dataset.tsv"
    params:
        attnphys=ATTNPHYS,
        max_prongs=NU["max_prongs"],
        min_hits=NU["min_hits"],
        split=NU["split"],
        seed=config["seed"],
    threads: 1
    resources:
        mem_mb=mem_mb("neutrino_dataset", NU_PLAN.events()),
        runtime=runtime("neutrino_dataset", NU_PLAN.events()),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutrino dataset --events {input.events:q} --hits {input.hits:q}"
        " --max-prongs {params.max_prongs} --min-hits {params.min_hits} --split {params.split}"
        " --seed {params.seed} --out-dataset {output.dataset:q} --out-stats {output.stats:q} > {log:q} 2>&1"


rule neutrino_train:
    input:
        NU_PLAN.dataset,
    output:
        model=f"{OUT}/neutrino/models/{{model}}/seed{{seed}}/model.pt",
        history=f"{OUT}/neutrino/models/{{model}}/seed{{seed}}/history.csv",
    log:
        f"{OUT}/logs/neutrino/train/{{model}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/train/{{model}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(NU["models"]),
        seed=alternatives(NU["seeds"]),
    params:
        attnphys=ATTNPHYS,
        train=NU["train"],
        model=neutrino_model_params,
        seed=config["seed"],
        device=config["device"],
    threads: 1
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("neutrino_train", NU_PLAN.events()),
        runtime=lambda w: runtime("neutrino_train", NU_PLAN.train_units(w.model)),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutrino train --dataset {input:q} --model {wildcards.model} --params {params.model:q}"
        " --seed {params.seed} --replica {wildcards.seed} --epochs {params.train[epochs]}"
        " --batch-size {params.train[batch_size]} --lr {params.train[lr]} --weight-decay {params.train[weight_decay]}"
        " --patience {params.train[patience]} --restart-stale --device {params.device} --threads {threads}"
        " --out-model {output.model:q} --out-history {output.history:q} > {log:q} 2>&1"


rule neutrino_evaluate:
    input:
        dataset=NU_PLAN.dataset,
        model=rules.neutrino_train.output.model,
    output:
        predictions=f"{OUT}/neutrino/predictions/{{model}}/seed{{seed}}.parquet",
        meta=f"{OUT}/neutrino/predictions/{{model}}/seed{{seed}}.json",
    log:
        f"{OUT}/logs/neutrino/evaluate/{{model}}/seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/evaluate/{{model}}/seed{{seed}}.tsv"
    wildcard_constraints:
        model=alternatives(NU["models"]),
        seed=alternatives(NU["seeds"]),
    params:
        attnphys=ATTNPHYS,
        device=config["device"],
    threads: 1
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("neutrino_evaluate", NU_PLAN.events()),
        runtime=runtime("neutrino_evaluate", NU_PLAN.test_events()),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutrino evaluate --dataset {input.dataset:q} --checkpoint {input.model:q}"
        " --device {params.device} --out-predictions {output.predictions:q} --out-meta {output.meta:q} > {log:q} 2>&1"


rule neutrino_report:
    input:
        dataset=NU_PLAN.dataset,
        predictions=expand(rules.neutrino_evaluate.output.predictions, **NU_PLAN.runs()),
        meta=expand(rules.neutrino_evaluate.output.meta, **NU_PLAN.runs()),
        attention=expand(rules.neutrino_train.output.model, model="transformer", seed=NU["seeds"][0]),
    output:
        summary=result(f"{OUT}/neutrino/report/summary.csv", "neutrino", "neutrino_summary", figure="summary table"),
        report=f"{OUT}/neutrino/report/report.md",
        confusion=result(f"{OUT}/neutrino/report/confusion.png", "neutrino", "neutrino_confusion", figure="confusion matrices"),
        displays=result(f"{OUT}/neutrino/report/event_displays.png", "neutrino", "neutrino_displays", figure="event displays"),
        attention=result(f"{OUT}/neutrino/report/attention.png", "neutrino", "neutrino_attention", figure="attention maps"),
    log:
        f"{OUT}/logs/neutrino/report.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/report.tsv"
    params:
        attnphys=ATTNPHYS,
    threads: 1
    resources:
        mem_mb=mem_mb("neutrino_evaluate", NU_PLAN.events()),
        runtime=10,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutrino report --dataset {input.dataset:q} --predictions {input.predictions:q}"
        " --meta {input.meta:q} --checkpoint {input.attention:q} --out-summary {output.summary:q}"
        " --out-report {output.report:q} --out-confusion {output.confusion:q} --out-displays {output.displays:q}"
        " --out-attention {output.attention:q} > {log:q} 2>&1"


AREA_TARGETS["neutrino"] = [rules.neutrino_report.output.summary, rules.neutrino_report.output.report]
