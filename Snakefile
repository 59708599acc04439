# attnphys: the pipeline's table of contents.
#
#   snakemake                  every enabled area (rule `all`), with profiles/default
#   snakemake jets_events      up to a named stage
#
# Each stage is a rule calling the `attnphys` command line, so it also runs by hand. Rules
# name every file they read and write; logs and benchmarks go to {outdir}/logs and
# {outdir}/benchmarks. Chunks, user files, job sizes and resources come from the package
# (attnphys.areas, attnphys.<area>.plan, attnphys.resources), read through rules/common.smk.

import os

configfile: os.path.join(workflow.basedir, "config.yaml")

include: "workflow/rules/common.smk"

# Extreme-jet tagging: generation -> towers -> dataset -> models -> report.
include: "workflow/rules/jets_events.smk"
include: "workflow/rules/jets_dataset.smk"
include: "workflow/rules/jets_models.smk"
include: "workflow/rules/jets_report.smk"
# Your own data in: tag unlabelled Delphes files, export the taggers to ONNX.
include: "workflow/rules/jets_predict.smk"
# The paper's own jets (jets.source: paper) and the cross-source table.
include: "workflow/rules/jets_paper.smk"
# Why our classes separated less than the paper's (not part of `all`).
include: "workflow/rules/jets_study.smk"
include: "workflow/rules/jets_learning_curve.smk"
# Jet-parton matching in all-hadronic ttbar with SPA-NET.
include: "workflow/rules/spanet.smk"
# Attention as gating.
include: "workflow/rules/gating.smk"
# Neutron-star equation of state.
include: "workflow/rules/neutron_stars.smk"
# Neutrino event and particle classification (CVN, TransformerCVN).
include: "workflow/rules/neutrino.smk"


rule all:
    input:
        area_targets(),
    default_target: True
