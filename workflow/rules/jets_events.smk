# Jets 1/4: Pythia 8 events of each prong class through the ATLAS-like calorimeter,
# one job per (class, chunk), written as Delphes-layout ROOT.
#   snakemake --cores all jets_events

import math


def jet_chunks(cls):
    """Chunk numbers of class `cls`: enough events for jets.jets_per_class selected jets.

    ceil(jets_per_class / (acceptance[cls] * events_per_chunk)); a chunk's content depends
    only on (seed, class, chunk, events_per_chunk), so raising jets_per_class adds chunks.
    """
    jets = config["jets"]
    per_chunk = jets["acceptance"][cls] * jets["events_per_chunk"]
    return list(range(math.ceil(jets["jets_per_class"] / per_chunk)))


def jet_generated_classes():
    """Configured classes that are generated (not replaced by jets.delphes_files)."""
    return [c for c in config["jets"]["classes"] if c not in config["jets"]["delphes_files"]]


rule jets_generate:
    output:
        f"{OUT}/jets/events/{{cls}}/{{chunk}}.root",
    log:
        "logs/jets/generate/{cls}/{chunk}.log",
    params:
        seed=config["seed"],
        events=config["jets"]["events_per_chunk"],
    wildcard_constraints:
        cls=alternatives(config["jets"]["classes"]),
        chunk=r"\d+",
    threads: 1
    shell:
        "{ATTNPHYS} jets generate --class {wildcards.cls} --chunk {wildcards.chunk} "
        "--events {params.events} --seed {params.seed} --out {output} > {log} 2>&1"


rule jets_events:
    input:
        [
            f"{OUT}/jets/events/{cls}/{chunk}.root"
            for cls in jet_generated_classes()
            for chunk in jet_chunks(cls)
        ],
