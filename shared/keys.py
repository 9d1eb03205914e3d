"""Redis key names: the only place a key is spelled, so services cannot drift apart."""

CATALOG_NAMES = "catalogs"  # set of registered catalog names


def catalog(name: str) -> str:
    """JSON: the catalog body plus version/status/error."""
    return f"catalog:{name}"


def catalog_version_counter(name: str) -> str:
    """Monotonic version counter; survives DELETE so versions never repeat."""
    return f"catalog_version:{name}"


def catalog_index(name: str, version: int) -> str:
    """Hash with the embedding index of one catalog version (meta JSON + vectors)."""
    return f"catalog_index:{name}:{version}"


def job(job_id: str) -> str:
    """Hash with the job's status, stage, text and error."""
    return f"job:{job_id}"


def result(job_id: str) -> str:
    """JSON result of a finished job (the public contract names this key)."""
    return f"result:{job_id}"
