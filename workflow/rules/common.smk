# Config validation and shared definitions for every area's rules.

from snakemake.utils import validate

validate(config, os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"))


def check_config(cfg):
    """Cross-field checks that JSON schema cannot express; each names its key."""
    for key in ("pt_window", "mass_window"):
        lo, hi = cfg["jets"][key]
        if lo >= hi:
            raise ValueError(f"config key jets.{key}: min {lo} must be below max {hi}")
    if abs(sum(cfg["jets"]["split"]) - 1.0) > 1e-6:
        raise ValueError(f"config key jets.split: fractions {cfg['jets']['split']} must sum to 1")
    unknown = set(cfg["jets"]["acceptance"]) - {"1", "2", "3", "4b", "4q", "6", "8"}
    if unknown:
        raise ValueError(f"config key jets.acceptance: unknown classes {sorted(unknown)}")
    train = cfg["jets"]["train"]
    if train["augment"] and train["preprocess"] == "standard":
        raise ValueError("config key jets.train.augment: random rotations would undo preprocess 'standard'")
    for cls in cfg["jets"]["classes"]:
        if cls not in cfg["jets"]["acceptance"]:
            raise ValueError(f"config key jets.acceptance: no acceptance for class {cls!r}")


check_config(config)

OUT = config["outdir"]
ATTNPHYS = "attnphys"

# Rules of each area append their final target here; `all` builds the enabled ones.
AREA_TARGETS = {}


def area_targets():
    return [t for area, targets in AREA_TARGETS.items() if config[area]["enabled"] for t in targets]
