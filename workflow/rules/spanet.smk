# Jet-parton matching in all-hadronic ttbar: Pythia chunks -> SPANet-layout dataset ->
# SPA-NET training -> chi2 and SPA-NET evaluation -> report. With config spanet.files the
# user's SPANet files replace generation (attnphys.spanet.plan).


rule spanet_generate:
    output:
        h5=f"{OUT}/spanet/chunks/chunk_{{chunk}}.h5",
        stats=f"{OUT}/spanet/chunks/chunk_{{chunk}}.json",
    log:
        f"{OUT}/logs/spanet/generate/{{chunk}}.log",
    benchmark:
        f"{OUT}/benchmarks/spanet/generate/{{chunk}}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
    params:
        attnphys=ATTNPHYS,
        events=lambda w: SPANET_PLAN.chunk_events(w.chunk),
        seed=config["seed"],
        max_jets=SPANET["max_jets"],
    threads: 1
    resources:
        mem_mb=mem_mb("spanet_generate", SPANET["events_per_chunk"]),
        runtime=runtime("spanet_generate", SPANET["events_per_chunk"]),
    conda:
        CONDA_ENV
    shell:
        "OMP_NUM_THREADS=1 {params.attnphys} spanet generate --events {params.events} --seed {params.seed}"
        " --chunk {wildcards.chunk} --max-jets {params.max_jets} --out {output.h5:q}"
        " --out-stats {output.stats:q} > {log:q} 2>&1"


rule spanet_dataset:
    input:
        **SPANET_PLAN.dataset_inputs(),
    output:
        train=f"{OUT}/spanet/data/train.h5",
        val=f"{OUT}/spanet/data/val.h5",
        test=f"{OUT}/spanet/data/test.h5",
        stats=f"{OUT}/spanet/data/dataset.json",
    log:
        f"{OUT}/logs/spanet/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/spanet/dataset.tsv"
    params:
        attnphys=ATTNPHYS,
        split=SPANET["split"],
        seed=config["seed"],
        chunk_stats=lambda w, input: stats_option(input.stats),
    threads: 1
    resources:
        mem_mb=mem_mb("spanet_dataset", SPANET["events"]),
        runtime=runtime("spanet_dataset", SPANET["events"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} spanet dataset --chunks {input.h5:q} {params.chunk_stats}"
        " --split {params.split} --seed {params.seed} --out-train {output.train:q} --out-val {output.val:q}"
        " --out-test {output.test:q} --out-summary {output.stats:q} > {log:q} 2>&1"


rule spanet_train:
    input:
        train=SPANET_PLAN.split_file("train"),
        val=SPANET_PLAN.split_file("val"),
    output:
        model=f"{OUT}/spanet/model/model.pt",
        history=f"{OUT}/spanet/model/history.csv",
    log:
        f"{OUT}/logs/spanet/train.log",
    benchmark:
        f"{OUT}/benchmarks/spanet/train.tsv"
    params:
        attnphys=ATTNPHYS,
        train=SPANET["train"],
        model=json.dumps(SPANET["model"], sort_keys=True),
        seed=config["seed"],
        device=config["device"],
    # One thread: at batch 64 SPA-NET is bound by per-operation overhead on small tensors; in the
    # default run two threads trained it in 205 s for 358 s of CPU, one takes about 250 s of one core.
    threads: 1
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("spanet_train", SPANET["events"]),
        runtime=runtime("spanet_train", SPANET["events"] * SPANET["train"]["epochs"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} spanet train --train {input.train:q} --val {input.val:q}"
        " --out-model {output.model:q} --out-history {output.history:q}"
        " --epochs {params.train[epochs]} --batch-size {params.train[batch_size]} --lr {params.train[lr]}"
        " --lr-scaling {params.train[lr_scaling]}"
        " --weight-decay {params.train[weight_decay]} --warmup-frac {params.train[warmup_frac]}"
        " --schedule {params.train[schedule]} --patience {params.train[patience]}"
        " --bucket-pool {params.train[bucket_pool]}"
        " --params {params.model:q} --restart-stale"
        " --seed {params.seed} --device {params.device} --threads {threads} > {log:q} 2>&1"


rule spanet_evaluate_chi2:
    input:
        test=SPANET_PLAN.split_file("test"),
    output:
        result(f"{OUT}/spanet/eval/chi2/summary.csv", "spanet", "spanet_summary", figure="efficiencies", method="chi2"),
    log:
        f"{OUT}/logs/spanet/evaluate_chi2.log",
    params:
        attnphys=ATTNPHYS,
    threads: 1
    resources:
        mem_mb=mem_mb("spanet_dataset", SPANET["events"]),
        runtime=10,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} spanet evaluate --method chi2 --input {input.test:q} --out {output:q} > {log:q} 2>&1"


rule spanet_evaluate_spanet:
    input:
        test=SPANET_PLAN.split_file("test"),
        model=rules.spanet_train.output.model,
    output:
        result(f"{OUT}/spanet/eval/spanet/summary.csv", "spanet", "spanet_summary", figure="efficiencies",
               method="SPA-NET"),
    log:
        f"{OUT}/logs/spanet/evaluate_spanet.log",
    params:
        attnphys=ATTNPHYS,
        device=config["device"],
    threads: 1
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("spanet_train", SPANET["events"]),
        runtime=10,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} spanet evaluate --method spanet --input {input.test:q} --checkpoint {input.model:q}"
        " --device {params.device} --out {output:q} > {log:q} 2>&1"


rule spanet_report:
    input:
        chi2=rules.spanet_evaluate_chi2.output[0],
        spanet=rules.spanet_evaluate_spanet.output[0],
        dataset=SPANET_PLAN.dataset_summary(),
        history=rules.spanet_train.output.history,
    output:
        markdown=f"{OUT}/spanet/report/report.md",
        efficiency=result(f"{OUT}/spanet/report/efficiency_by_jets.png", "spanet", "spanet_efficiency",
                          figure="efficiency by jet multiplicity", method="both"),
        curves=result(f"{OUT}/spanet/report/training_curves.png", "spanet", "spanet_training_curves",
                      figure="training curves", method="SPA-NET"),
    log:
        f"{OUT}/logs/spanet/report.log",
    params:
        attnphys=ATTNPHYS,
        dataset=lambda w, input: summary_option(input.dataset),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} spanet report --chi2 {input.chi2:q} --spanet {input.spanet:q}"
        " {params.dataset} --history {input.history:q} --out {output.markdown:q}"
        " --out-efficiency {output.efficiency:q} --out-curves {output.curves:q} > {log:q} 2>&1"


AREA_TARGETS["spanet"] = [rules.spanet_report.output.markdown]
