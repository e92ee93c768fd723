"""Fit y = 3x + 1 with SGD, logging as a real training script does (run as a Basalt job)."""

import argparse
import csv
from pathlib import Path

import basalt

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--data", type=Path, required=True, help="CSV with columns x and y")
parser.add_argument("--model-dir", type=Path, required=True)
args = parser.parse_args()

with args.data.open(newline="") as fh:
    data = [(float(row["x"]), float(row["y"])) for row in csv.DictReader(fh)]
w, b = 0.0, 0.0
basalt.log_params({"samples": len(data)})
basalt.set_tag("model", "linear")
for epoch in range(args.epochs):
    loss = 0.0
    for x, y in data:
        err = (w * x + b) - y
        w -= args.lr * err * x / len(data) * 8
        b -= args.lr * err / len(data) * 8
        loss += err * err
    basalt.log_metrics({"loss": loss / len(data), "w": w, "b": b}, step=epoch)
    print(f"epoch {epoch:2d}  loss {loss / len(data):.4f}")

Path("outputs").mkdir(exist_ok=True)
Path("outputs/summary.txt").write_text(f"final loss {loss / len(data):.5f}\n")
args.model_dir.mkdir(parents=True, exist_ok=True)
(args.model_dir / "model.txt").write_text(f"w={w:.4f}\nb={b:.4f}\n")
print(f"trained: w={w:.3f} b={b:.3f}")
