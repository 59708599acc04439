# Attention as gating: exact capacity counts, XOR in one gated layer, report.


rule gating_capacity:
    output:
        f"{OUT}/gating/capacity.csv",
    params:
        max_n=config["gating"]["max_n"],
    log:
        "logs/gating/capacity.log",
    shell:
        "{ATTNPHYS} gating capacity --max-n {params.max_n} --out {output} > {log} 2>&1"


rule gating_xor:
    output:
        json=f"{OUT}/gating/xor.json",
        figure=f"{OUT}/gating/xor_regions.png",
    params:
        seed=config["seed"],
        seeds=config["gating"]["xor_seeds"],
        epochs=config["gating"]["xor_epochs"],
        lr=config["gating"]["xor_lr"],
    log:
        "logs/gating/xor.log",
    shell:
        "{ATTNPHYS} gating xor --seed {params.seed} --seeds {params.seeds}"
        " --epochs {params.epochs} --lr {params.lr}"
        " --out-json {output.json} --out-figure {output.figure} > {log} 2>&1"


rule gating_report:
    input:
        capacity=rules.gating_capacity.output[0],
        xor=rules.gating_xor.output.json,
        figure=rules.gating_xor.output.figure,
    output:
        f"{OUT}/gating/report.md",
    log:
        "logs/gating/report.log",
    shell:
        "{ATTNPHYS} gating report --capacity {input.capacity} --xor {input.xor}"
        " --figure {input.figure} --out {output} > {log} 2>&1"


AREA_TARGETS["gating"] = [
    rules.gating_report.output[0],
    rules.gating_capacity.output[0],
    rules.gating_xor.output.figure,
]
