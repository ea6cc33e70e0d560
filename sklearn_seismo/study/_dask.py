"""The one way the study reaches a dask cluster (``backend="dask"``)."""

__all__ = ["dask_client"]


def dask_client(scheduler=None, *, n_workers=None, timeout="10s"):
    """A ``distributed.Client`` and whether the caller must close it.

    Parameters
    ----------
    scheduler : None, str or distributed.Client, default=None
        A client is used as is; an address (``"tcp://10.0.0.1:8786"``) is
        connected to; None with ``n_workers`` starts a local cluster, and
        None without it takes the client already active in this process.
    n_workers : int, default=None
        Worker processes of the local cluster (one thread each, on
        127.0.0.1, no dashboard); only with ``scheduler=None``.
    timeout : str, default="10s"
        How long to try reaching ``scheduler``.

    Returns
    -------
    client : distributed.Client
    owned : bool
        True when this call created the client (closing it also stops the
        local cluster it started).

    Raises
    ------
    ImportError
        Without dask.distributed.
    ValueError
        When the scheduler cannot be reached, or no client is active.
    """
    try:
        from distributed import Client, get_client
    except ImportError as exc:
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install 'dask[distributed]'."
        ) from exc
    if isinstance(scheduler, Client):
        return scheduler, False
    if scheduler is not None:
        try:
            return Client(scheduler, timeout=timeout), True
        except (OSError, TimeoutError, ValueError) as exc:
            raise ValueError(
                f"cannot reach it ({exc}): the dask scheduler {scheduler}; start "
                "one with `dask scheduler` (workers: `dask worker ADDRESS`), or "
                "leave the scheduler out for a local cluster."
            ) from None
    if n_workers is not None:
        # Client() without an address starts a LocalCluster and stops it on
        # close(); processes keep torch's thread pools apart.
        client = Client(
            n_workers=int(n_workers),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
        return client, True
    try:
        return get_client(), False
    except ValueError as exc:
        raise ValueError(
            "backend='dask' needs a cluster: pass scheduler='tcp://host:8786' "
            "(or a distributed.Client), or create a Client before the call."
        ) from exc
