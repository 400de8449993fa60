"""The networks the training tests train, described once: each case's layers (as plain
parameter shapes), its data, loss and optimizer settings. torch_reference.py trains them in
python3-torch; build_onnx.py writes the same network as ONNX for dlcc train."""

CASES = {
    # name: network, samples, batch, steps, loss, optimizer options (dlcc train's spelling)
    "mlp_sgd": dict(net="mlp", samples=64, batch=16, epochs=5, loss="cross-entropy",
                    optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4),
    "mlp_adam": dict(net="mlp", samples=64, batch=16, epochs=5, loss="cross-entropy",
                     optimizer="adam", lr=0.01),
    "mlp_mse_nesterov": dict(net="mlp", samples=64, batch=16, epochs=5, loss="mse",
                             optimizer="sgd", lr=0.05, momentum=0.9, nesterov=True),
    "cnn_sgd": dict(net="cnn", samples=48, batch=12, epochs=5, loss="cross-entropy",
                    optimizer="sgd", lr=0.05, momentum=0.9),
    "encoder_adamw": dict(net="encoder", samples=40, batch=8, epochs=4, loss="cross-entropy",
                          optimizer="adamw", lr=0.005, weight_decay=0.01, clip_norm=1.0),
}

# Sizes of the networks.
MLP = dict(features=16, hidden=32, classes=4)
CNN = dict(channels=4, size=8, classes=3)
ENCODER = dict(tokens=4, model=8, hidden=16, classes=3)


def splitmix64(state):
    """One step of dlcc train's shuffle generator: (new state, value)."""
    mask = (1 << 64) - 1
    state = (state + 0x9E3779B97F4A7C15) & mask
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return state, z ^ (z >> 31)


def epoch_order(count, seed, epoch):
    """The sample order dlcc train uses in `epoch` (tools/dlcc/train_data.c)."""
    mask = (1 << 64) - 1
    state = (seed * 0xD1B54A32D192ED03 + epoch) & mask
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        state, value = splitmix64(state)
        j = value % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def dlcc_options(case):
    """dlcc train's options for a case."""
    c = CASES[case]
    options = [f"--batch={c['batch']}", f"--epochs={c['epochs']}", f"--loss={c['loss']}",
               f"--optimizer={c['optimizer']}", f"--lr={c['lr']}"]
    for key in ("momentum", "weight_decay", "clip_norm"):
        if key in c:
            options.append(f"--{key.replace('_', '-')}={c[key]}")
    if c.get("nesterov"):
        options.append("--nesterov")
    return options
