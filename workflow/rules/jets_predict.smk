# Jets, your own data in: trained taggers applied to unlabelled Delphes files, and exported.
#
# jets_predict: one job per file of config jets.predict.files (glob patterns), tagged by the
# model.pt of (jets.predict.model, jets.predict.seed); the windows and preprocessing come from
# the model. jets_export: every (model, seed) as ONNX, checked against PyTorch on the test split
# (models the exporter refuses, attnphys.jets.export.NOT_EXPORTABLE, left out).


rule jets_predict_file:
    input:
        root=lambda w: JETS_PLAN.predict_files[w.name],
        model=lambda w: expand(rules.jets_train.output.model, model=JETS["predict"]["model"], seed=JETS["predict"]["seed"]),
    output:
        f"{OUT}/jets/predict/{{name}}.parquet",
    log:
        f"{OUT}/logs/jets/predict/{{name}}.log",
    benchmark:
        f"{OUT}/benchmarks/jets/predict/{{name}}.tsv"
    wildcard_constraints:
        name=alternatives(JETS_PLAN.predict_files),
    params:
        attnphys=ATTNPHYS,
        leading=JETS["predict"]["leading"],
        device=config["device"],
    threads: JETS["threads"]
    resources:
        gpu=gpu_request(config),
        mem_mb=mem_mb("jets_evaluate", JETS["events_per_chunk"]),
        runtime=runtime("jets_ingest", JETS["events_per_chunk"]) + runtime("jets_evaluate", JETS["events_per_chunk"]),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets predict --checkpoint {input.model:q} --input {input.root:q} --out {output:q}"
        " --leading {params.leading} --device {params.device} --threads {threads} > {log:q} 2>&1"


rule jets_predict:
    input:
        expand(rules.jets_predict_file.output, name=list(JETS_PLAN.predict_files)),


rule jets_export_model:
    input:
        model=rules.jets_train.output.model,
        test=JETS_DATASET["test"],
    output:
        f"{OUT}/jets/models/{{model}}/seed{{seed}}/model.onnx",
    log:
        f"{OUT}/logs/jets/export/{{model}}/seed{{seed}}.log",
    wildcard_constraints:
        model=alternatives(JETS["models"]),
        seed=alternatives(JETS["seeds"]),
    params:
        attnphys=ATTNPHYS,
    threads: 1
    resources:
        mem_mb=mem_mb("jets_evaluate", JETS_PLAN.split_size("test")),
        runtime=runtime("jets_evaluate", JETS_PLAN.split_size("test")),
    conda:
        CONDA_ENV
    shell:
        "{params.attnphys} jets export --checkpoint {input.model:q} --out {output:q} --check {input.test:q}"
        " > {log:q} 2>&1"


rule jets_export:
    input:
        expand(rules.jets_export_model.output, model=JETS_PLAN.onnx_models(), seed=JETS["seeds"]),
