"""PyTorch references for dlcc's training builders (passes/train/train.h), read by
tests/unit/test_train_builders.c.

usage: /usr/bin/python3 train_reference.py   (torch is not in the venv: Debian's python3-torch)

Writes cases to stdout, one token stream: `case KIND PARAMS...`, then its tensors as
`tensor NAME DTYPE RANK DIMS... VALUES...`, then `end`. Exits 77 when torch is missing.
"""
import math
import sys

try:
    import torch
except ImportError:
    print("train_reference.py: torch is missing (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(77)

torch.manual_seed(1234)
out = []


def tensor(name, t):
    t = t.detach()
    dtype = {torch.float32: "f32", torch.int64: "i64"}[t.dtype]
    dims = " ".join(str(d) for d in t.shape)
    values = " ".join(repr(float(v)) if dtype == "f32" else str(int(v)) for v in t.flatten().tolist())
    out.append(f"tensor {name} {dtype} {t.dim()} {dims} {values}")


def case(*words):
    out.append("case " + " ".join(str(w) for w in words))


def end():
    out.append("end")


LOSS_KINDS = ["cross-entropy", "nll", "mse", "l1", "bce-with-logits"]
REDUCTIONS = ["mean", "sum", "none"]


def loss_case(kind, reduction, shape, ignore_index=-100, weights=None, pos_weight=None, ignored=0):
    x = torch.randn(*shape)
    if kind in ("cross-entropy", "nll"):
        classes = shape[1]
        label_shape = (shape[0],) + tuple(shape[2:])
        y = torch.randint(0, classes, label_shape)
        if ignored:
            y.view(-1)[:ignored] = ignore_index
        if kind == "nll":
            x = torch.log_softmax(x, 1)
        w = torch.tensor(weights) if weights else None
        f = torch.nn.functional.cross_entropy if kind == "cross-entropy" else torch.nn.functional.nll_loss
        loss = f(x, y, weight=w, ignore_index=ignore_index, reduction=reduction)
    else:
        y = torch.rand(*shape) if kind == "bce-with-logits" else torch.randn(*shape)
        if kind == "mse":
            loss = torch.nn.functional.mse_loss(x, y, reduction=reduction)
        elif kind == "l1":
            loss = torch.nn.functional.l1_loss(x, y, reduction=reduction)
        else:
            pw = torch.tensor(pos_weight) if pos_weight else None
            x = x * 4  # logits large enough to exercise both branches of the stable form
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                x, y, reduction=reduction, pos_weight=pw)
    case("loss", kind, reduction, ignore_index)
    tensor("output", x)
    tensor("labels", y)
    if weights:
        tensor("weights", torch.tensor(weights))
    if pos_weight:
        tensor("pos_weight", torch.tensor(pos_weight))
    tensor("expect", loss)
    end()


for kind in LOSS_KINDS:
    for reduction in REDUCTIONS:
        loss_case(kind, reduction, (4, 5))
loss_case("cross-entropy", "mean", (3, 4, 2, 2))  # [N, C, d1, d2]
loss_case("cross-entropy", "mean", (6, 5), ignore_index=2)  # an ignore_index that is a class
loss_case("cross-entropy", "mean", (6, 5), ignored=2)  # labels set to the default -100
loss_case("cross-entropy", "mean", (6, 5), weights=[0.5, 1.0, 2.0, 0.25, 1.5])
loss_case("cross-entropy", "sum", (6, 5), weights=[0.5, 1.0, 2.0, 0.25, 1.5], ignored=1)
loss_case("nll", "mean", (6, 5), ignore_index=1, weights=[0.5, 1.0, 2.0, 0.25, 1.5])
loss_case("nll", "none", (6, 5), ignored=2, weights=[0.5, 1.0, 2.0, 0.25, 1.5])
loss_case("bce-with-logits", "mean", (4, 3), pos_weight=[2.0, 0.5, 3.0])
loss_case("bce-with-logits", "sum", (4, 3), pos_weight=[1.5])

STEPS = 5


def optimizer_case(kind, lr, **options):
    weight = torch.randn(3, 4)
    start = weight.clone()
    param = torch.nn.Parameter(weight.clone())
    if kind == "sgd":
        opt = torch.optim.SGD([param], lr=lr, **options)
    elif kind == "adam":
        opt = torch.optim.Adam([param], lr=lr, **options)
    else:
        opt = torch.optim.AdamW([param], lr=lr, **options)
    grads, weights = [], []
    for _ in range(STEPS):
        grads.append(torch.randn(3, 4))
        param.grad = grads[-1].clone()
        opt.step()
        weights.append(param.detach().clone())
    state = opt.state[param]
    slots = []
    if kind == "sgd":
        if options.get("momentum", 0):
            slots.append(state["momentum_buffer"])
    else:
        slots += [state["exp_avg"], state["exp_avg_sq"]]
    betas = options.get("betas", (0.9, 0.999))
    case("optimizer", kind, lr, options.get("momentum", 0), options.get("dampening", 0),
         int(options.get("nesterov", False)),
         options.get("weight_decay", 1e-2 if kind == "adamw" else 0), betas[0], betas[1],
         options.get("eps", 1e-8))
    tensor("weight", start)
    for k, g in enumerate(grads):
        tensor(f"grad{k}", g)
    for k, w in enumerate(weights):
        tensor(f"expect_weight{k}", w)
    for k, s in enumerate(slots):
        tensor(f"expect_slot{k}", s)
    end()


optimizer_case("sgd", 0.1)
optimizer_case("sgd", 0.1, weight_decay=0.05)
optimizer_case("sgd", 0.05, momentum=0.9)
optimizer_case("sgd", 0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)
optimizer_case("sgd", 0.05, momentum=0.8, nesterov=True, weight_decay=0.02)
optimizer_case("adam", 0.01)
optimizer_case("adam", 0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
optimizer_case("adamw", 0.01)
optimizer_case("adamw", 0.02, betas=(0.85, 0.995), weight_decay=0.3)

SCHEDULE_STEPS = 14


def schedule_case(kind, lr, step_size=1, gamma=0.1, total_steps=1, min_lr=0.0, warmup=0,
                  start_factor=1.0 / 3.0):
    def run(make, steps):
        param = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([param], lr=lr)
        scheduler = make(opt)
        rates = []
        for _ in range(steps):
            rates.append(opt.param_groups[0]["lr"])
            opt.step()
            scheduler.step()
        return rates

    def base(opt):
        if kind == "constant":
            return torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0)
        if kind == "step":
            return torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma)
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps, eta_min=min_lr)

    rates = []
    if warmup:
        rates = run(lambda opt: torch.optim.lr_scheduler.LinearLR(
            opt, start_factor=start_factor, end_factor=1.0, total_iters=warmup), warmup)
    rates += run(base, SCHEDULE_STEPS - warmup)
    if kind == "cosine":  # dlcc holds min_lr past total_steps; torch's cosine turns back up
        rates = rates[:warmup] + [r if t <= total_steps else min_lr
                                  for t, r in enumerate(rates[warmup:])]
    case("schedule", kind, lr, step_size, gamma, total_steps, min_lr, warmup, start_factor)
    tensor("expect", torch.tensor(rates, dtype=torch.float32))
    end()


schedule_case("constant", 0.01)
schedule_case("step", 0.1, step_size=3, gamma=0.5)
schedule_case("cosine", 0.1, total_steps=10, min_lr=0.001)
schedule_case("cosine", 0.05, total_steps=8, warmup=4, start_factor=0.1)
schedule_case("step", 0.2, step_size=2, gamma=0.7, warmup=3)
schedule_case("constant", 0.3, warmup=5, start_factor=0.25)


def clip_case(max_norm, shapes, scale):
    grads = [torch.randn(*s) * scale for s in shapes]
    params = [torch.nn.Parameter(torch.zeros(*s)) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    case("clip", max_norm, len(shapes))
    for k, g in enumerate(grads):
        tensor(f"grad{k}", g)
    for k, p in enumerate(params):
        tensor(f"expect{k}", p.grad)
    end()


clip_case(1.0, [(3, 4), (5,), (2, 2, 2)], 1.0)  # norm above max_norm: scaled down
clip_case(100.0, [(3, 4), (5,)], 1.0)  # below: unchanged
clip_case(0.5, [(7,)], 3.0)

TRAIN_STEPS = 5


def train_case(name, batch_norm, optimizer, lr, momentum=0.0, clip=0.0, step_size=0, gamma=0.1):
    """A tiny MLP (Linear, [BatchNorm1d,] ReLU, Linear) trained for TRAIN_STEPS steps on
    cross-entropy in train mode; the C test builds the same graph, as an ONNX export has it
    (Gemm with transB, BatchNormalization with momentum 1 - torch's)."""
    hidden = 6
    # No bias before BatchNorm (it cancels: its gradient is rounding noise, which Adam's
    # normalized step would turn into +-lr moves).
    layers = [torch.nn.Linear(3, hidden, bias=not batch_norm)]
    if batch_norm:
        layers.append(torch.nn.BatchNorm1d(hidden))
    layers += [torch.nn.ReLU(), torch.nn.Linear(hidden, 3)]
    model = torch.nn.Sequential(*layers)
    if batch_norm:  # running statistics that are not the defaults
        model[1].running_mean.copy_(torch.randn(hidden) * 0.1)
        model[1].running_var.copy_(torch.rand(hidden) + 0.5)
        model[1].weight.data.copy_(torch.rand(hidden) + 0.5)
        model[1].bias.data.copy_(torch.randn(hidden) * 0.1)
    names = {"0.weight": "fc1.weight", "0.bias": "fc1.bias", "1.weight": "bn.weight",
             "1.bias": "bn.bias", "1.running_mean": "bn.running_mean",
             "1.running_var": "bn.running_var"}
    last = len(layers) - 1
    names[f"{last}.weight"] = "fc2.weight"
    names[f"{last}.bias"] = "fc2.bias"
    case("train", name, optimizer, lr, momentum, clip, step_size, gamma, int(batch_norm))
    state = {names[k]: v for k, v in model.state_dict().items() if k in names}
    for k, v in state.items():
        tensor(k, v)
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    elif optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=gamma) \
        if step_size else None
    model.train()
    for k in range(TRAIN_STEPS):
        x = torch.randn(4, 3)
        y = torch.randint(0, 3, (4,))
        tensor(f"x{k}", x)
        tensor(f"labels{k}", y)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if sched:
            sched.step()
        tensor(f"expect_loss{k}", loss)
    for k, v in model.state_dict().items():
        if k in names:
            tensor("expect_" + names[k], v)
    end()


def image_case():
    """BatchNorm2d on images (ReLU, global average pool, Linear after it) trained with AdamW:
    BatchNormalization over [N, C, H, W]."""
    model = torch.nn.Sequential(
        torch.nn.BatchNorm2d(2), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(), torch.nn.Linear(2, 3))
    names = {"0.weight": "bn.weight", "0.bias": "bn.bias", "0.running_mean": "bn.running_mean",
             "0.running_var": "bn.running_var", "4.weight": "fc2.weight", "4.bias": "fc2.bias"}
    case("train", "image_bn", "adamw", 0.01, 0.0, 0.0, 0, 0.1, 1)
    for k, v in model.state_dict().items():
        if k in names:
            tensor(names[k], v)
    opt = torch.optim.AdamW(model.parameters(), lr=0.01)
    model.train()
    for k in range(TRAIN_STEPS):
        x = torch.randn(4, 2, 3, 3)
        y = torch.randint(0, 3, (4,))
        tensor(f"x{k}", x)
        tensor(f"labels{k}", y)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        tensor(f"expect_loss{k}", loss)
    for k, v in model.state_dict().items():
        if k in names:
            tensor("expect_" + names[k], v)
    end()


train_case("mlp", False, "sgd", 0.1, momentum=0.9, clip=0.25)
train_case("mlp_bn", True, "adam", 0.01, step_size=2, gamma=0.5)
image_case()

print("\n".join(out))
