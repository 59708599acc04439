# Attention as gating: exact capacity counts, XOR in one gated layer, report.


rule gating_capacity:
    output:
        result(f"{OUT}/gating/capacity.csv", "gating", "gating_capacity", figure="capacity table"),
    log:
        f"{OUT}/logs/gating/capacity.log",
    benchmark:
        f"{OUT}/benchmarks/gating/capacity.tsv"
    params:
        attnphys=ATTNPHYS,
        max_n=config["gating"]["max_n"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} gating capacity --max-n {params.max_n} --out {output:q} > {log:q} 2>&1"


rule gating_xor:
    output:
        json=f"{OUT}/gating/xor.json",
        figure=result(f"{OUT}/gating/xor_regions.png", "gating", "gating_xor", figure="XOR decision regions"),
    log:
        f"{OUT}/logs/gating/xor.log",
    params:
        attnphys=ATTNPHYS,
        seed=config["seed"],
        seeds=config["gating"]["xor_seeds"],
        epochs=config["gating"]["xor_epochs"],
        lr=config["gating"]["xor_lr"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} gating xor --seed {params.seed} --seeds {params.seeds}"
        " --epochs {params.epochs} --lr {params.lr}"
        " --out-json {output.json:q} --out-figure {output.figure:q} > {log:q} 2>&1"


rule gating_report:
    input:
        capacity=rules.gating_capacity.output[0],
        xor=rules.gating_xor.output.json,
        figure=rules.gating_xor.output.figure,
    output:
        f"{OUT}/gating/report.md",
    log:
        f"{OUT}/logs/gating/report.log",
    params:
        attnphys=ATTNPHYS,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} gating report --capacity {input.capacity:q} --xor {input.xor:q}"
        " --figure {input.figure:q} --out {output:q} > {log:q} 2>&1"


AREA_TARGETS["gating"] = [
    rules.gating_report.output[0],
    rules.gating_capacity.output[0],
    rules.gating_xor.output.figure,
]
