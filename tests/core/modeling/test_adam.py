"""The image model's Adam: torch's algorithm and defaults, without importing torch._dynamo."""

import subprocess
import sys

import torch

from nrstudio.core.modeling.network_math import Adam


def test_adam_takes_the_steps_torch_optim_adam_takes():
    torch.manual_seed(0)
    ours = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    theirs.load_state_dict(ours.state_dict())
    x, y = torch.randn(32, 4), torch.randn(32, 1)
    start = ours[0].weight.detach().clone()
    mine, reference = Adam(ours.parameters(), lr=0.01), torch.optim.Adam(theirs.parameters(),
                                                                          lr=0.01)
    for _ in range(50):
        for net, opt in ((ours, mine), (theirs, reference)):
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            opt.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5)
    assert (ours[0].weight - start).abs().max() > 0.1  # it did move


def test_training_an_image_model_imports_no_compiler():
    code = (
        "import sys, numpy as np\n"
        "from nrstudio.core.image_models.tile_cnn import train_tile_cnn\n"
        "from nrstudio.core.image_models.image_model_settings import ImageModelSettings\n"
        "train_tile_cnn(np.random.rand(16, 32, 32).astype('float32'), np.random.rand(16),\n"
        "               ImageModelSettings(epochs=1))\n"
        "print('torch._dynamo' in sys.modules, 'sympy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
