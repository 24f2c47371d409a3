"""The tensor arithmetic of the batched networks (:mod:`~nrstudio.core.modeling.networks`):
forward and backward passes, initial weights, views into one flat parameter buffer,
shuffling and the optimiser steps. Imported only where networks are trained or predict."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import torch

ADAM_BETAS, EPS, RHO = (0.9, 0.999), 1e-7, 0.9  # Keras' defaults, as in the paper's scripts


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)



def forward(ws: list[torch.Tensor], bs: list[torch.Tensor], x: torch.Tensor) -> list[torch.Tensor]:
    """Activations of every layer; x: (M, B, d). The last entry is the linear output (M, B, 1)."""
    acts = [x]
    for i, (w, b) in enumerate(zip(ws, bs, strict=True)):
        z = torch.baddbmm(b, acts[-1], w)
        acts.append(z.relu_() if i < len(ws) - 1 else z)  # backward needs only its sign
    return acts


def backward(ws: list[torch.Tensor], acts: list[torch.Tensor], dout: torch.Tensor,
              gw: list[torch.Tensor] | None = None, gb: list[torch.Tensor] | None = None
              ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Gradients of sum(dout * output) w.r.t. weights and biases, written into ``gw``/``gb``
    (contiguous views of one gradient buffer) when given."""
    n = len(ws)
    gw = gw if gw is not None else [torch.empty_like(w) for w in ws]
    gb = gb if gb is not None else [torch.empty(w.shape[0], 1, w.shape[2]) for w in ws]
    delta = dout
    for i in range(n - 1, -1, -1):
        torch.bmm(acts[i].transpose(1, 2), delta, out=gw[i])
        torch.sum(delta, dim=1, keepdim=True, out=gb[i])
        if i:
            delta = torch.ops.aten.threshold_backward(
                torch.bmm(delta, ws[i].transpose(1, 2)), acts[i], 0.0)
    return gw, gb


def init_weights(shapes: list[tuple[int, int]], seeds: Sequence[int], base_seed: int
                  ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Glorot-uniform weights and zero biases (Keras' Dense defaults), one generator per model
    so that a model's start does not depend on which others are trained beside it."""
    ws = [torch.empty(len(seeds), i, o) for i, o in shapes]
    for m, s in enumerate(seeds):
        g = torch.Generator().manual_seed(int(base_seed) * 1_000_003 + int(s))
        for w, (i, o) in zip(ws, shapes, strict=True):
            limit = math.sqrt(6.0 / (i + o))
            w[m] = (torch.rand(i, o, generator=g) * 2 - 1) * limit
    bs = [torch.zeros(len(seeds), 1, o) for _, o in shapes]
    return ws, bs


def layer_views(flat: torch.Tensor, m: int, shapes: list[tuple[int, int]]) -> list[torch.Tensor]:
    """Weight views (M, i, o) then bias views (M, 1, o) into a flat 1-D buffer laid out layer
    by layer, so that every view is contiguous (gradients are written into them in place)."""
    out_w, out_b, k = [], [], 0
    for i, o in shapes:
        out_w.append(flat[k:k + m * i * o].view(m, i, o))
        k += m * i * o
    for _, o in shapes:
        out_b.append(flat[k:k + m * o].view(m, 1, o))
        k += m * o
    return out_w + out_b


def shuffle_rows(rows: torch.Tensor, n_tr: torch.Tensor, gen: torch.Generator,
                 out: torch.Tensor | None = None,
                 key_order: torch.Tensor | None = None) -> torch.Tensor:
    """Each model's padded rows (M, N, d + 1) in a new random order, its real rows (the
    first n_tr[m]) first and the padding last. ``key_order`` (M,): model m takes the random
    keys drawn for model key_order[m] (models reordered for training)."""
    m, n = rows.shape[:2]
    keys = torch.rand(m, n, generator=gen, device=rows.device)
    if key_order is not None:
        keys = keys.index_select(0, key_order)
    keys += (torch.arange(n, device=rows.device)[None] >= n_tr[:, None]) * 2.0
    perm = keys.argsort(dim=1)[..., None].expand(-1, -1, rows.shape[2])
    return torch.gather(rows, 1, perm, out=out) if out is not None else torch.gather(rows, 1, perm)


def where_models(mask: torch.Tensor, new: list[torch.Tensor], old: list[torch.Tensor]) -> None:
    """new[l][m] = old[l][m] for every model m where mask is False (views of flat buffers)."""
    for a, b in zip(new, old, strict=True):
        a.copy_(torch.where(mask[:, None, None], a, b))


def optimizer_step(kind: str, p: torch.Tensor, g: torch.Tensor, s1: torch.Tensor,
                    s2: torch.Tensor, t: torch.Tensor, lr: float, b1: float, b2: float,
                    eps: float, rho: float, per_model_t: torch.Tensor | None = None) -> None:
    """One Adam or RMSprop step on flat tensors. ``t``: the shared step count (a 0-d tensor);
    ``per_model_t`` (per element) when models have taken different numbers of steps."""
    if kind == "adam":
        if per_model_t is None:
            torch._fused_adam_([p], [g], [s1], [s2], [], [t], lr=lr, beta1=b1, beta2=b2,
                               weight_decay=0.0, eps=eps, amsgrad=False, maximize=False)
        else:
            s1.mul_(b1).add_(g, alpha=1 - b1)
            s2.mul_(b2).addcmul_(g, g, value=1 - b2)
            denom = (s2 / (1 - b2 ** per_model_t)).sqrt_().add_(eps)
            p.addcdiv_(s1 / (1 - b1 ** per_model_t), denom, value=-lr)
    else:
        s2.mul_(rho).addcmul_(g, g, value=1 - rho)
        p.addcdiv_(g, s2.sqrt().add_(eps), value=-lr)


def fused_adam(lists: Sequence[list[torch.Tensor]], steps: list[torch.Tensor], lr: float,
               eps: float = EPS) -> None:
    """One Adam step on many tensors in one call of torch's fused kernel (the one
    ``torch.optim.Adam(fused=True)`` runs). ``lists``: the parameters, their gradients, first
    and second moments, four lists of equal length; ``steps``: each parameter's step count
    (0-d tensors, already increased); ``eps``: Keras' 1e-7 unless given (torch's is 1e-8)."""
    params, grads, first, second = lists
    no_max: list[torch.Tensor] = []  # amsgrad off
    b1, b2 = ADAM_BETAS
    torch._fused_adam_(params, grads, first, second, no_max, steps, lr=lr, beta1=b1, beta2=b2,
                       weight_decay=0.0, eps=eps, amsgrad=False, maximize=False)


class Adam:
    """Adam with torch's defaults (betas 0.9 and 0.999, eps 1e-8) over a module's
    parameters, one fused kernel call per step. Not ``torch.optim.Adam``: torch's optimisers
    import ``torch._dynamo`` (and sympy with it) when made, about 800 modules and 110,000
    Python objects that the desktop app's garbage collector then walks on the window's thread
    (a full collection there went from about 10 ms to 77-138 ms after an image model)."""

    def __init__(self, params: Iterator[torch.nn.Parameter], lr: float) -> None:
        self.params = list(params)
        self.lr = lr
        self.first = [torch.zeros_like(p) for p in self.params]
        self.second = [torch.zeros_like(p) for p in self.params]
        self.steps = [torch.zeros((), device=p.device) for p in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        """One step on the parameters that have a gradient."""
        have = [i for i, p in enumerate(self.params) if p.grad is not None]
        for i in have:
            self.steps[i] += 1
        grads = [g for p in self.params if (g := p.grad) is not None]
        params: list[torch.Tensor] = [self.params[i] for i in have]
        lists = [params, grads, [self.first[i] for i in have], [self.second[i] for i in have]]
        fused_adam(lists, [self.steps[i] for i in have], self.lr, eps=1e-8)


@contextmanager
def flushing_denormals() -> Iterator[None]:
    """Numbers too small for float32's normal range (below 1.2e-38) taken as zero by the CPU
    while networks train. As training converges, gradients and Adam's second moments sink
    into that range, and a CPU computes with such numbers many times slower: on the
    example's 84 cross-validation networks the optimiser step went from 0.9 to 1.9 ms over
    the first 15 epochs, and stayed at 1.0 ms with them flushed (a run of the example 1.35 to
    1.4 times faster, its output files byte for byte the same). Their effect on a weight is
    far below float32's precision (a moment of 1e-39 against Adam's epsilon of 1e-7).

    The CPU's flag is per thread: it is set in the calling thread and in every thread of
    torch's OpenMP team that the calling thread has started (:mod:`openmp_team`; an earlier
    large product left a team whose second thread kept the default, and a network trained
    after it 1.6 times slower), inherited by team threads started while training, and the
    default comes back in all of them on the way out."""
    from nrstudio.core.compute_threads import GOVERNOR
    from nrstudio.core.modeling.openmp_team import on_every_team_thread

    # The team as large as it has been: the governor may have shrunk the thread count for a
    # while (a busy machine), and the threads beyond it wait in the team to be used again.
    threads = max(torch.get_num_threads(), GOVERNOR.cores)
    supported = torch.set_flush_denormal(True)
    if supported:
        on_every_team_thread(lambda: torch.set_flush_denormal(True), threads)
    try:
        yield
    finally:
        if supported:
            on_every_team_thread(lambda: torch.set_flush_denormal(False),
                                 max(threads, torch.get_num_threads()))
            torch.set_flush_denormal(False)
