"""Data-parallel helpers of one run trained on several processes under ``torchrun`` (the entry point is
:mod:`distributed`): which process this is, its share of a batch, gradient averaging, weight broadcasts,
BatchNorm statistics, replica checks. The bottom layer: imports only torch.

With one process (every chapter, every worker of :mod:`jobs`) each function returns at once and changes
nothing: the single-process numbers and the stored results are those of the code without it.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch
import torch.distributed as dist


def world() -> tuple[int, int]:
    """(rank, number of processes): (0, 1) unless a process group is running."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    return world()[0] == 0


def shard(n: int) -> Optional[tuple[torch.Tensor, float]]:
    """This process's share of a batch of ``n``: (positions ``rank, rank + W, …``, loss weight), or None
    with one process. The weight ``W · share / n`` makes the average of the processes' weighted mean
    losses the mean loss of the whole batch, also when ``n`` is not a multiple of ``W``."""
    rank, w = world()
    if w == 1:
        return None
    pos = torch.arange(rank, n, w)
    return pos, w * len(pos) / n


def _device_tensor(t: torch.Tensor) -> torch.Tensor:
    # NCCL communicates CUDA tensors only; gloo takes CPU ones
    if dist.get_backend() == "nccl" and not t.is_cuda:
        return t.cuda()
    return t


def broadcast_from_main(*modules: torch.nn.Module) -> None:
    """Give every process process 0's weights and buffers (as DistributedDataParallel does when it wraps a
    module): models built after each process drew its own dropout masks start from different weights."""
    _, w = world()
    if w == 1:
        return
    for m in modules:
        for t in [*m.parameters(), *m.buffers()]:
            d = _device_tensor(t.detach().clone())
            dist.broadcast(d, 0)
            with torch.no_grad():
                t.copy_(d.to(t.device))


def average_gradients(*modules: torch.nn.Module) -> None:
    """Average the gradients of ``modules`` over the processes (one all-reduce of the flattened
    gradients); parameters without a gradient in this step are left alone (the same in every process)."""
    _, w = world()
    if w == 1:
        return
    grads = [p.grad for m in modules for p in m.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    flat = _device_tensor(flat)
    dist.all_reduce(flat)
    flat = flat.div_(w).to(grads[0].device)
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def sync_buffers(*modules: torch.nn.Module) -> None:
    """Average the floating-point buffers (BatchNorm's running mean and variance) over the processes:
    each process saw its own shards."""
    _, w = world()
    if w == 1:
        return
    for m in modules:
        for b in m.buffers():
            if b.is_floating_point():
                b.copy_(mean_over_processes(b))


def mean_over_processes(t: torch.Tensor) -> torch.Tensor:
    """The mean of ``t`` over the processes (the logged losses of each process's shards)."""
    _, w = world()
    if w == 1:
        return t
    out = _device_tensor(t.detach().clone())
    dist.all_reduce(out)
    return out.div_(w).to(t.device)


def from_main(value: float) -> float:
    """Process 0's ``value`` in every process (a validation score that decides which weights to keep)."""
    _, w = world()
    if w == 1:
        return value
    t = _device_tensor(torch.tensor([value], dtype=torch.float64))
    dist.broadcast(t, 0)
    return float(t.item())


def picks_from_main(query: Callable[[], torch.Tensor], budget: int) -> torch.Tensor:
    """``query()`` run in process 0 only (acquisition: scores, features, picks) and its ``budget`` picks
    broadcast to every process; with one process, ``query()``."""
    rank, w = world()
    if w == 1:
        return query()
    picked = query().cpu().long() if rank == 0 else torch.empty(budget, dtype=torch.long)
    if len(picked) != budget:
        raise RuntimeError(f"the strategy picked {len(picked)} samples, not the budget of {budget}")
    t = _device_tensor(picked)
    dist.broadcast(t, 0)
    return t.cpu()


def check_same(*modules: torch.nn.Module, what: str = "model") -> None:
    """Fail unless every process holds the same weights and buffers (a checksum per process)."""
    _, w = world()
    if w == 1:
        return
    tensors = [t.detach().double() for m in modules for t in [*m.parameters(), *m.buffers()]]
    total = sum(t.sum() + t.abs().sum() * 1e-3 for t in tensors)  # on the device: one transfer below
    t = _device_tensor(total.reshape(1))
    gathered = [torch.zeros_like(t) for _ in range(w)]
    dist.all_gather(gathered, t)
    sums = [float(g.item()) for g in gathered]
    if any(s != sums[0] for s in sums):
        raise RuntimeError(f"the {what}'s replicas differ between processes (checksums {sums})")


