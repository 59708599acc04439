# Neutron-star equation of state from a few stars: dataset -> network (train, predict)
# and classical fit per star count -> report (summary.csv, report.md).


rule neutron_stars_dataset:
    output:
        f"{OUT}/neutron_stars/dataset.parquet",
    log:
        f"{OUT}/logs/neutron_stars/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/neutron_stars/dataset.tsv"
    params:
        attnphys=ATTNPHYS,
        n_samples=NS["n_samples"],
        n_stars=max(NS_COUNTS),
        noise=NS["noise"],
        seed=config["seed"],
        split=NS["split"],
        prior=prior_flags(config),
    threads: NS["workers"]
    resources:
        mem_mb=mem_mb("neutron_stars_dataset", NS["n_samples"]),
        runtime=runtime("neutron_stars_dataset", NS["n_samples"] / NS["workers"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutron-stars dataset --n-samples {params.n_samples} --n-stars {params.n_stars}"
        " --noise {params.noise} --seed {params.seed} --split {params.split} {params.prior}"
        " --workers {threads} --out-dataset {output:q} > {log:q} 2>&1"


rule neutron_stars_train:
    input:
        rules.neutron_stars_dataset.output[0],
    output:
        model=f"{OUT}/neutron_stars/network/stars{{n}}/model.pt",
        history=f"{OUT}/neutron_stars/network/stars{{n}}/history.csv",
    log:
        f"{OUT}/logs/neutron_stars/train/stars{{n}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutron_stars/train/stars{{n}}.tsv"
    wildcard_constraints:
        n=alternatives(NS_COUNTS),
    params:
        attnphys=ATTNPHYS,
        train=NS["train"],
        model=json.dumps(NS["model"], sort_keys=True),
        seed=config["seed"],
        device=config["device"],
    threads: 1
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("neutron_stars_train", NS["n_samples"]),
        runtime=runtime("neutron_stars_train", NS["n_samples"] * NS["train"]["epochs"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutron-stars train --dataset {input:q} --n-stars {wildcards.n}"
        " --epochs {params.train[epochs]} --batch-size {params.train[batch_size]} --lr {params.train[lr]}"
        " --weight-decay {params.train[weight_decay]} --patience {params.train[patience]}"
        " --params {params.model:q} --restart-stale"
        " --seed {params.seed} --device {params.device} --threads {threads}"
        " --out-model {output.model:q} --out-history {output.history:q} > {log:q} 2>&1"


rule neutron_stars_predict:
    input:
        model=rules.neutron_stars_train.output.model,
        dataset=rules.neutron_stars_dataset.output[0],
    output:
        f"{OUT}/neutron_stars/predictions/network_stars{{n}}.parquet",
    log:
        f"{OUT}/logs/neutron_stars/predict/stars{{n}}.log",
    wildcard_constraints:
        n=alternatives(NS_COUNTS),
    params:
        attnphys=ATTNPHYS,
        device=config["device"],
    threads: 1
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("neutron_stars_train", NS["n_samples"]),
        runtime=5,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutron-stars predict --checkpoint {input.model:q} --dataset {input.dataset:q}"
        " --device {params.device} --out-predictions {output:q} > {log:q} 2>&1"


rule neutron_stars_fit:
    input:
        rules.neutron_stars_dataset.output[0],
    output:
        f"{OUT}/neutron_stars/predictions/classical_stars{{n}}.parquet",
    log:
        f"{OUT}/logs/neutron_stars/fit/stars{{n}}.log",
    benchmark:
        f"{OUT}/benchmarks/neutron_stars/fit/stars{{n}}.tsv"
    wildcard_constraints:
        n=alternatives(NS_COUNTS),
    params:
        attnphys=ATTNPHYS,
        n_fit=NS["n_fit"],
        starts=NS["fit_starts"],
        noise=NS["noise"],
        seed=config["seed"],
        prior=prior_flags(config),
    threads: 1
    resources:
        mem_mb=mem_mb("neutron_stars_fit", NS["n_fit"]),
        runtime=runtime("neutron_stars_fit", NS["n_fit"] * NS["fit_starts"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutron-stars fit --dataset {input:q} --n-stars {wildcards.n} --n-fit {params.n_fit}"
        " --starts {params.starts} --noise {params.noise} --seed {params.seed} {params.prior}"
        " --out-predictions {output:q} > {log:q} 2>&1"


rule neutron_stars_report:
    input:
        dataset=rules.neutron_stars_dataset.output[0],
        predictions=expand(
            f"{OUT}/neutron_stars/predictions/{{method}}_stars{{n}}.parquet",
            method=["network", "classical"],
            n=NS_COUNTS,
        ),
    output:
        summary=result(f"{OUT}/neutron_stars/report/summary.csv", "neutron_stars", "neutron_stars_summary",
                       figure="relative errors", stars="all"),
        report=f"{OUT}/neutron_stars/report/report.md",
        figures=[
            result(f"{OUT}/neutron_stars/report/scatter_stars{n}.png", "neutron_stars", "neutron_stars_scatter",
                   figure="predicted vs true", stars=str(n))
            for n in NS_COUNTS
        ],
        bands=result(f"{OUT}/neutron_stars/report/mr_bands.png", "neutron_stars", "neutron_stars_bands",
                     figure="mass-radius bands", stars=str(NS["n_stars"])),
    log:
        f"{OUT}/logs/neutron_stars/report.log",
    params:
        attnphys=ATTNPHYS,
        n_fit=NS["n_fit"],
        n_stars=NS["n_stars"],
        prior=prior_flags(config),
    threads: 1
    resources:
        mem_mb=mem_mb("neutron_stars_dataset", NS["n_samples"]),
        runtime=10,
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} neutron-stars report --dataset {input.dataset:q} --predictions {input.predictions:q}"
        " --n-fit {params.n_fit} --n-stars {params.n_stars} {params.prior} --out-summary {output.summary:q}"
        " --out-report {output.report:q} > {log:q} 2>&1"


AREA_TARGETS["neutron_stars"] = [
    rules.neutron_stars_report.output.summary,
    rules.neutron_stars_report.output.report,
]
