# Extreme-jet tagging, dataset stage: one ingest job per Delphes ROOT file, then the flat
# train/val/test datasets with the 16 N-subjettiness features.
#
# Inputs per class: the generated chunks {OUT}/jets/events/{cls}/{chunk}.root (jets_events.smk),
# or, when config jets.delphes_files lists glob patterns for the class, those files instead.
# A user file's chunk name is its sanitised stem plus a hash of its absolute path
# ("tag_1_delphes_events-3f2a9c1e"), so adding or removing files never renames the others.

import glob
import hashlib
import re


def _user_delphes_files():
    """{class: {chunk name: path}} from config jets.delphes_files."""
    found = {}
    for cls, patterns in config["jets"]["delphes_files"].items():
        if cls not in config["jets"]["classes"]:
            raise ValueError(f"config key jets.delphes_files: class {cls!r} is not in jets.classes")
        files = sorted({f for p in patterns for f in glob.glob(os.path.expanduser(p))})
        if not files:
            raise ValueError(f"config key jets.delphes_files.{cls}: no file matches {patterns}")
        chunks = {}
        for path in files:
            stem = re.sub(r"[^A-Za-z0-9_]+", "_", os.path.splitext(os.path.basename(path))[0])
            digest = hashlib.sha1(os.path.abspath(path).encode()).hexdigest()[:8]
            chunks[f"{stem}-{digest}"] = path
        found[cls] = chunks
    return found


USER_DELPHES_FILES = _user_delphes_files()


def ingest_chunks(cls):
    """Chunk names of a class: its user files if given, else its generated chunks."""
    if cls in USER_DELPHES_FILES:
        return list(USER_DELPHES_FILES[cls])
    return [str(chunk) for chunk in jet_chunks(cls)]


def delphes_file(wildcards):
    if wildcards.cls in USER_DELPHES_FILES:
        return USER_DELPHES_FILES[wildcards.cls][wildcards.chunk]
    return f"{OUT}/jets/events/{wildcards.cls}/{wildcards.chunk}.root"


def towers_files(wildcards):
    return [
        f"{OUT}/jets/towers/{cls}/{chunk}.parquet"
        for cls in config["jets"]["classes"]
        for chunk in ingest_chunks(cls)
    ]


rule jets_ingest:
    input:
        delphes_file,
    output:
        f"{OUT}/jets/towers/{{cls}}/{{chunk}}.parquet",
    wildcard_constraints:
        cls=alternatives(config["jets"]["classes"]),
        chunk=r"[A-Za-z0-9_]+(-[0-9a-f]{8})?",
    params:
        pt_window=config["jets"]["pt_window"],
        mass_window=config["jets"]["mass_window"],
    log:
        "logs/jets/ingest/{cls}/{chunk}.log",
    shell:
        "{ATTNPHYS} jets ingest --input {input:q} --class {wildcards.cls} --out {output:q}"
        " --pt-window {params.pt_window} --mass-window {params.mass_window} > {log:q} 2>&1"


rule jets_build_dataset:
    input:
        towers_files,
    output:
        **{split: f"{OUT}/jets/dataset/{split}.parquet" for split in ("train", "val", "test")},
        summary=f"{OUT}/jets/dataset/summary.json",
    params:
        out_dir=f"{OUT}/jets/dataset",
        classes=config["jets"]["classes"],
        jets_per_class=config["jets"]["jets_per_class"],
        pt_window=config["jets"]["pt_window"],
        mass_window=config["jets"]["mass_window"],
        flatten_bins=config["jets"]["flatten_bins"],
        split=config["jets"]["split"],
        max_towers=config["jets"]["max_towers"],
        seed=config["seed"],
    log:
        "logs/jets/dataset.log",
    shell:
        "{ATTNPHYS} jets dataset {input:q} --out-dir {params.out_dir:q} --classes {params.classes}"
        " --jets-per-class {params.jets_per_class} --pt-window {params.pt_window}"
        " --mass-window {params.mass_window} --flatten-bins {params.flatten_bins}"
        " --split {params.split} --max-towers {params.max_towers} --seed {params.seed}"
        " > {log:q} 2>&1"


rule jets_dataset:
    input:
        rules.jets_build_dataset.output,
