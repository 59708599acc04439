# Jet-parton matching in all-hadronic ttbar: Pythia chunks -> SPANet-layout dataset ->
# SPA-NET training -> chi2 and SPA-NET evaluation -> report.

import math

SPANET = config["spanet"]
SPANET_CHUNKS = math.ceil(SPANET["events"] / SPANET["events_per_chunk"])


def spanet_chunk_events(wildcards):
    """Events of one chunk: events_per_chunk, the last one taking the remainder."""
    chunk = int(wildcards.chunk)
    return min(SPANET["events_per_chunk"], SPANET["events"] - chunk * SPANET["events_per_chunk"])


rule spanet_generate:
    output:
        h5=f"{OUT}/spanet/chunks/chunk_{{chunk}}.h5",
        stats=f"{OUT}/spanet/chunks/chunk_{{chunk}}.json",
    wildcard_constraints:
        chunk=r"\d+",
    params:
        events=spanet_chunk_events,
        seed=config["seed"],
        max_jets=SPANET["max_jets"],
    log:
        "logs/spanet/generate_{chunk}.log",
    shell:
        "OMP_NUM_THREADS=1 {ATTNPHYS} spanet generate --events {params.events} --seed {params.seed}"
        " --chunk {wildcards.chunk} --max-jets {params.max_jets} --out {output.h5} > {log} 2>&1"


rule spanet_dataset:
    input:
        expand(f"{OUT}/spanet/chunks/chunk_{{chunk}}.h5", chunk=range(SPANET_CHUNKS)),
    output:
        train=f"{OUT}/spanet/data/train.h5",
        val=f"{OUT}/spanet/data/val.h5",
        test=f"{OUT}/spanet/data/test.h5",
        stats=f"{OUT}/spanet/data/dataset.json",
    params:
        split=" ".join(str(f) for f in SPANET["split"]),
        seed=config["seed"],
    log:
        "logs/spanet/dataset.log",
    shell:
        "{ATTNPHYS} spanet dataset --chunks {input} --split {params.split} --seed {params.seed}"
        " --out-dir {OUT}/spanet/data > {log} 2>&1"


rule spanet_train:
    input:
        train=rules.spanet_dataset.output.train,
        val=rules.spanet_dataset.output.val,
    output:
        model=f"{OUT}/spanet/model/model.pt",
        history=f"{OUT}/spanet/model/history.csv",
    params:
        train=SPANET["train"],
        model=json.dumps(SPANET["model"], sort_keys=True),
        seed=config["seed"],
        device=config["device"],
    threads: 2
    resources:
        gpu=1,
    log:
        "logs/spanet/train.log",
    shell:
        "{ATTNPHYS} spanet train --train {input.train} --val {input.val} --out {OUT}/spanet/model"
        " --epochs {params.train[epochs]} --batch-size {params.train[batch_size]} --lr {params.train[lr]}"
        " --weight-decay {params.train[weight_decay]} --warmup-frac {params.train[warmup_frac]}"
        " --schedule {params.train[schedule]} --patience {params.train[patience]}"
        " --bucket-pool {params.train[bucket_pool]}"
        " --params {params.model:q}"
        " --seed {params.seed}"
        " --device {params.device} --threads {threads} --restart-stale > {log} 2>&1"


rule spanet_evaluate_chi2:
    input:
        test=rules.spanet_dataset.output.test,
    output:
        f"{OUT}/spanet/eval/chi2/summary.csv",
    log:
        "logs/spanet/evaluate_chi2.log",
    shell:
        "{ATTNPHYS} spanet evaluate --method chi2 --input {input.test} --out {OUT}/spanet/eval/chi2 > {log} 2>&1"


rule spanet_evaluate_spanet:
    input:
        test=rules.spanet_dataset.output.test,
        model=rules.spanet_train.output.model,
    output:
        f"{OUT}/spanet/eval/spanet/summary.csv",
    params:
        device=config["device"],
    log:
        "logs/spanet/evaluate_spanet.log",
    shell:
        "{ATTNPHYS} spanet evaluate --method spanet --input {input.test} --checkpoint {input.model}"
        " --device {params.device} --out {OUT}/spanet/eval/spanet > {log} 2>&1"


rule spanet_report:
    input:
        chi2=rules.spanet_evaluate_chi2.output[0],
        spanet=rules.spanet_evaluate_spanet.output[0],
        dataset=rules.spanet_dataset.output.stats,
        history=rules.spanet_train.output.history,
    output:
        f"{OUT}/spanet/report/report.md",
    log:
        "logs/spanet/report.log",
    shell:
        "{ATTNPHYS} spanet report --chi2 {input.chi2} --spanet {input.spanet} --dataset {input.dataset}"
        " --history {input.history} --out {output} > {log} 2>&1"


AREA_TARGETS["spanet"] = [rules.spanet_report.output[0]]
