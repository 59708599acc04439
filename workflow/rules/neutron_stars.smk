# Neutron-star equation of state from a few stars: dataset -> network (train, predict)
# and classical fit per star count -> report (summary.csv, report.md).

NS = f"{OUT}/neutron_stars"
NS_CFG = config["neutron_stars"]
NS_COUNTS = sorted(set(NS_CFG["star_counts"]) | {NS_CFG["n_stars"]})
NS_COEFFICIENTS = ["gamma0", "gamma1", "gamma2", "gamma3"][: NS_CFG["n_coefficients"]]
# --coefficients, --prior and --min-max-mass: the EOS model every stage shares.
NS_PRIOR = " ".join(
    [f"--coefficients {NS_CFG['n_coefficients']} --min-max-mass {NS_CFG['min_max_mass']}"]
    + [f"--prior {name}={NS_CFG['prior'][name][0]},{NS_CFG['prior'][name][1]}" for name in NS_COEFFICIENTS]
)


rule neutron_stars_dataset:
    output:
        f"{NS}/dataset.parquet",
    params:
        n_samples=NS_CFG["n_samples"],
        n_stars=max(NS_COUNTS),
        noise=NS_CFG["noise"],
        seed=config["seed"],
        split=" ".join(str(f) for f in NS_CFG["split"]),
        prior=NS_PRIOR,
    threads: NS_CFG["workers"]
    log:
        "logs/neutron_stars/dataset.log",
    shell:
        "{ATTNPHYS} neutron-stars dataset --n-samples {params.n_samples} --n-stars {params.n_stars}"
        " --noise {params.noise} --seed {params.seed} --split {params.split} {params.prior}"
        " --workers {threads} --out {output:q} > {log} 2>&1"


rule neutron_stars_train:
    wildcard_constraints:
        n=r"\d+",
    input:
        rules.neutron_stars_dataset.output[0],
    output:
        model=f"{NS}/network/stars{{n}}/model.pt",
        history=f"{NS}/network/stars{{n}}/history.csv",
    params:
        train=NS_CFG["train"],
        model=json.dumps(NS_CFG["model"], sort_keys=True),
        seed=config["seed"],
        device=config["device"],
        outdir=lambda w: f"{NS}/network/stars{w.n}",
    log:
        "logs/neutron_stars/train_stars{n}.log",
    shell:
        "{ATTNPHYS} neutron-stars train --dataset {input:q} --n-stars {wildcards.n}"
        " --epochs {params.train[epochs]} --batch-size {params.train[batch_size]} --lr {params.train[lr]}"
        " --weight-decay {params.train[weight_decay]} --patience {params.train[patience]}"
        " --params {params.model:q}"
        " --seed {params.seed} --device {params.device} --threads 1 --restart-stale --out-dir {params.outdir:q} > {log} 2>&1"


rule neutron_stars_predict:
    wildcard_constraints:
        n=r"\d+",
    input:
        model=rules.neutron_stars_train.output.model,
        dataset=rules.neutron_stars_dataset.output[0],
    output:
        f"{NS}/predictions/network_stars{{n}}.parquet",
    params:
        device=config["device"],
    log:
        "logs/neutron_stars/predict_stars{n}.log",
    shell:
        "{ATTNPHYS} neutron-stars predict --model {input.model:q} --dataset {input.dataset:q}"
        " --device {params.device} --out {output:q} > {log} 2>&1"


rule neutron_stars_fit:
    wildcard_constraints:
        n=r"\d+",
    input:
        rules.neutron_stars_dataset.output[0],
    output:
        f"{NS}/predictions/classical_stars{{n}}.parquet",
    params:
        n_fit=NS_CFG["n_fit"],
        starts=NS_CFG["fit_starts"],
        noise=NS_CFG["noise"],
        seed=config["seed"],
        prior=NS_PRIOR,
    log:
        "logs/neutron_stars/fit_stars{n}.log",
    shell:
        "{ATTNPHYS} neutron-stars fit --dataset {input:q} --n-stars {wildcards.n} --n-fit {params.n_fit}"
        " --starts {params.starts} --noise {params.noise} --seed {params.seed} {params.prior}"
        " --out {output:q} > {log} 2>&1"


rule neutron_stars_report:
    input:
        dataset=rules.neutron_stars_dataset.output[0],
        predictions=expand(
            f"{NS}/predictions/{{method}}_stars{{n}}.parquet", method=["network", "classical"], n=NS_COUNTS
        ),
    output:
        summary=f"{NS}/report/summary.csv",
        report=f"{NS}/report/report.md",
    params:
        n_fit=NS_CFG["n_fit"],
        n_stars=NS_CFG["n_stars"],
        prior=NS_PRIOR,
        outdir=f"{NS}/report",
    log:
        "logs/neutron_stars/report.log",
    shell:
        "{ATTNPHYS} neutron-stars report --dataset {input.dataset:q} --predictions {input.predictions:q}"
        " --n-fit {params.n_fit} --n-stars {params.n_stars} {params.prior} --out-dir {params.outdir:q}"
        " > {log} 2>&1"


AREA_TARGETS["neutron_stars"] = [
    rules.neutron_stars_report.output.summary,
    rules.neutron_stars_report.output.report,
]
