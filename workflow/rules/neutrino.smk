# Neutrino classification in a NOvA-like detector: simulate (chunks) -> dataset.h5 (prongs,
# pixel maps) -> train / evaluate each (model, seed) -> report (summary.csv, report.md, figures).

import json

NU = f"{OUT}/neutrino"
NU_CFG = config["neutrino"]
NU_CHUNKS = list(range(-(-NU_CFG["events_per_class"] // NU_CFG["events_per_chunk"])))
NU_RUNS = dict(model=NU_CFG["models"], seed=NU_CFG["seeds"])
NU_ENV = "../../envs/attnphys.yaml"
# Your own maps (pixelmap.py layout) replace the simulation: neutrino.dataset names the file.
NU_DATASET = NU_CFG["dataset"] or f"{NU}/dataset.h5"
# The transformer of the first seed draws the attention maps (absent without a transformer).
NU_ATTENTION = (
    [f"{NU}/models/transformer_seed{NU_CFG['seeds'][0]}/model.pt"] if "transformer" in NU_CFG["models"] else []
)


rule neutrino_simulate:
    wildcard_constraints:
        chunk=r"\d+",
    output:
        events=f"{NU}/chunks/events_{{chunk}}.parquet",
        hits=f"{NU}/chunks/hits_{{chunk}}.parquet",
    params:
        n=NU_CFG["events_per_chunk"],
        seed=config["seed"],
        axial_mass=NU_CFG["axial_mass"],
        beam=json.dumps(NU_CFG["beam"]),
        detector=json.dumps(NU_CFG["detector"]),
    resources:
        mem_mb=2000,
        runtime=20,
    threads: 1
    conda:
        NU_ENV
    log:
        f"{OUT}/logs/neutrino/simulate_{{chunk}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/simulate_{{chunk}}.tsv"
    shell:
        "attnphys neutrino simulate --events-per-class {params.n} --seed {params.seed} --chunk {wildcards.chunk}"
        " --axial-mass {params.axial_mass} --beam {params.beam:q} --detector {params.detector:q}"
        " --events-out {output.events:q} --hits-out {output.hits:q} > {log:q} 2>&1"


rule neutrino_dataset:
    input:
        events=expand(f"{NU}/chunks/events_{{chunk}}.parquet", chunk=NU_CHUNKS),
        hits=expand(f"{NU}/chunks/hits_{{chunk}}.parquet", chunk=NU_CHUNKS),
    output:
        dataset=f"{NU}/dataset.h5",
        stats=f"{NU}/prong_stats.json",
    params:
        max_prongs=NU_CFG["max_prongs"],
        min_hits=NU_CFG["min_hits"],
        split=" ".join(str(f) for f in NU_CFG["split"]),
        seed=config["seed"],
    resources:
        mem_mb=4000,
        runtime=20,
    threads: 1
    conda:
        NU_ENV
    log:
        f"{OUT}/logs/neutrino/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/dataset.tsv"
    shell:
        "attnphys neutrino dataset --events {input.events:q} --hits {input.hits:q} --max-prongs {params.max_prongs}"
        " --min-hits {params.min_hits} --split {params.split} --seed {params.seed} --out {output.dataset:q}"
        " --stats {output.stats:q} > {log:q} 2>&1"


rule neutrino_train:
    wildcard_constraints:
        model="cvn|transformer|ablation",
        seed=r"\d+",
    input:
        NU_DATASET,
    output:
        model=f"{NU}/models/{{model}}_seed{{seed}}/model.pt",
        history=f"{NU}/models/{{model}}_seed{{seed}}/history.csv",
    params:
        train=NU_CFG["train"],
        model=json.dumps(NU_CFG["model"]),
        seed=lambda w: config["seed"] % 1_000_000 + int(w.seed),
        device=config["device"],
        outdir=lambda w, output: os.path.dirname(output.model),
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=0,
    threads: 1
    conda:
        NU_ENV
    log:
        f"{OUT}/logs/neutrino/train_{{model}}_seed{{seed}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutrino/train_{{model}}_seed{{seed}}.tsv"
    shell:
        "attnphys neutrino train --dataset {input:q} --model {wildcards.model} --params {params.model:q}"
        " --seed {params.seed} --epochs {params.train[epochs]} --batch-size {params.train[batch_size]}"
        " --lr {params.train[lr]} --weight-decay {params.train[weight_decay]} --patience {params.train[patience]}"
        " --device {params.device} --threads {threads} --out-dir {params.outdir:q} > {log:q} 2>&1"


rule neutrino_evaluate:
    wildcard_constraints:
        model="cvn|transformer|ablation",
        seed=r"\d+",
    input:
        dataset=NU_DATASET,
        model=rules.neutrino_train.output.model,
    output:
        predictions=f"{NU}/predictions/{{model}}_seed{{seed}}.parquet",
        meta=f"{NU}/predictions/{{model}}_seed{{seed}}.json",
    params:
        device=config["device"],
    resources:
        mem_mb=4000,
        runtime=20,
    threads: 1
    conda:
        NU_ENV
    log:
        f"{OUT}/logs/neutrino/evaluate_{{model}}_seed{{seed}}.log",
    shell:
        "attnphys neutrino evaluate --dataset {input.dataset:q} --model-file {input.model:q} --seed {wildcards.seed}"
        " --device {params.device} --out {output.predictions:q} > {log:q} 2>&1"


rule neutrino_report:
    input:
        dataset=NU_DATASET,
        predictions=expand(f"{NU}/predictions/{{model}}_seed{{seed}}.parquet", **NU_RUNS),
        meta=expand(f"{NU}/predictions/{{model}}_seed{{seed}}.json", **NU_RUNS),
        attention=NU_ATTENTION,
    output:
        summary=report(f"{NU}/report/summary.csv", caption="../report/neutrino_summary.rst",
                       category="Neutrino classification", labels={"figure": "summary table"}),
        markdown=f"{NU}/report/report.md",
        confusion=report(f"{NU}/report/confusion.png", caption="../report/neutrino_confusion.rst",
                         category="Neutrino classification", labels={"figure": "confusion matrices"}),
        displays=report(f"{NU}/report/event_displays.png", caption="../report/neutrino_displays.rst",
                        category="Neutrino classification", labels={"figure": "event displays"}),
    params:
        outdir=lambda w, output: os.path.dirname(output.summary),
        attention=lambda w, input: f"--attention-model {input.attention[0]}" if input.attention else "",
    resources:
        mem_mb=4000,
        runtime=10,
    threads: 1
    conda:
        NU_ENV
    log:
        f"{OUT}/logs/neutrino/report.log",
    shell:
        "attnphys neutrino report --dataset {input.dataset:q} --predictions {input.predictions:q}"
        " {params.attention} --out-dir {params.outdir:q} > {log:q} 2>&1"


AREA_TARGETS["neutrino"] = [rules.neutrino_report.output.summary, rules.neutrino_report.output.markdown]
