#!/usr/bin/env bash
# Reproduce the runs behind the README's pictures and recorded figures.
# Usage: bash scripts/readme_runs.sh [toy|images|img2img|img2img-spread|all]   (writes runs/readme-*, docs/figures/)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
train() { python -m minigan.train --no-progress "$@"; }
keep() { cp "runs/readme-$1/samples_final.png" "docs/figures/$1.png"; }

if [[ $what == toy || $what == all ]]; then
  train --model gan --dataset gaussian --out runs/readme-gan-gaussian && keep gan-gaussian
  train --model gan --dataset ring --out runs/readme-gan-ring && keep gan-ring
  train --model wgan --dataset ring --out runs/readme-wgan-ring && keep wgan-ring
  train --model wgan-gp --dataset ring --out runs/readme-wgan-gp-ring && keep wgan-gp-ring
  train --model cgan --dataset ring --out runs/readme-cgan-ring && keep cgan-ring
fi
if [[ $what == images || $what == all ]]; then
  train --model dcgan --dataset mnist --out runs/readme-dcgan-mnist          # 3,000 steps
  train --resume runs/readme-dcgan-mnist --iterations 6000 && keep dcgan-mnist # and on to 6,000
  train --model cgan --dataset mnist --arch conv --out runs/readme-cgan-mnist && keep cgan-mnist
  train --model vae --dataset mnist --out runs/readme-vae-mnist && keep vae-mnist
  cp runs/readme-vae-mnist/reconstructions_005000.png docs/figures/vae-reconstructions.png
  train --model vae --dataset mnist --latent-dim 2 --out runs/readme-vae2d-mnist
  cp runs/readme-vae2d-mnist/manifold_005000.png docs/figures/vae-manifold.png
  python scripts/vae_vs_gans.py runs/readme-vae-mnist runs/readme-dcgan-mnist runs/readme-cgan-mnist
  # with PyTorch installed: the same VAE recipe there, for the README's comparison
  python benchmarks/vae_pytorch.py --out runs/readme-vae-pytorch.jsonl || true
fi
if [[ $what == img2img || $what == all ]]; then     # image-to-image: each paper's ablation
  export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MINIGAN_OFFLINE=1   # the bundled digits
  for objective in l1+cgan l1 cgan; do
    train --model pix2pix --dataset mnist-edges --objective "$objective" \
          --out "runs/readme-pix2pix-$objective" && keep "pix2pix-$objective"
  done
  for objective in cycle full gan+forward gan; do       # the default: cycle, 4,800 iterations
    train --model cyclegan --dataset mnist-thickness --objective "$objective" \
          --out "runs/readme-cyclegan-$objective" && keep "cyclegan-$objective"
  done
fi
if [[ $what == img2img-spread || $what == all ]]; then   # the seeds, patch sizes and lengths
  export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MINIGAN_OFFLINE=1   # (scores only, no figures)
  for seed in 1 2; do                                   # seed 0 is the img2img part above
    for objective in l1+cgan l1; do
      train --model pix2pix --dataset mnist-edges --objective "$objective" --seed "$seed" \
            --out "runs/readme-pix2pix-$objective-seed$seed"
    done
  done
  for objective in l1+cgan l1; do                       # the test-time dropout masks
    python scripts/pix2pix_mask_noise.py "runs/readme-pix2pix-$objective"{,-seed1,-seed2}
  done
  first=(--batch-size 16 --iterations 3000)             # pix2pix's first recipe, as measured
  for seed in 0 1 2; do
    for objective in l1+cgan l1; do
      train --model pix2pix --dataset mnist-edges --objective "$objective" --seed "$seed" \
            "${first[@]}" --out "runs/readme-pix2pix-b16-$objective-seed$seed"
    done
  done
  train --model pix2pix --dataset mnist-edges --objective cgan "${first[@]}" \
        --out runs/readme-pix2pix-b16-cgan-seed0
  for run in full:0 cycle:0 gan+forward:0 gan:0 full:1 cycle:1 full:2 cycle:2; do
    train --model cyclegan --dataset mnist-thickness --objective "${run%:*}" --seed "${run#*:}" \
          --iterations 1200 --out "runs/readme-cyclegan-${run%:*}-1200-seed${run#*:}"
  done                                                  # CycleGAN at the old default length
  for patch in 1 8 38; do                               # the paper's Table 3; 16 is the default
    train --model pix2pix --dataset mnist-edges --patch "$patch" "${first[@]}" \
          --out "runs/readme-pix2pix-b16-patch$patch"
  done
  train --model pix2pix --dataset mnist-edges --patch 8 --seed 1 "${first[@]}" \
        --out runs/readme-pix2pix-b16-patch8-seed1
  for seed in 0 1 2; do           # the authors' code's schedule, the rule fixed before the runs
    for objective in l1+cgan l1; do
      train --model pix2pix --dataset mnist-edges --objective "$objective" --seed "$seed" \
            "${first[@]}" --lr-decay hold-linear \
            --out "runs/readme-pix2pix-b16-$objective-hold-linear-seed$seed"
    done
  done
  for objective in l1+cgan l1; do                       # the first recipe's mask draws
    python scripts/pix2pix_mask_noise.py "runs/readme-pix2pix-b16-$objective-seed"{0,1,2} \
           "runs/readme-pix2pix-b16-$objective-hold-linear-seed"{0,1,2}
  done
  python scripts/mnist_edges_ceiling.py                  # what the outline allows
  for run in cycle:1 cycle:2 full:1; do                 # 4,800 iterations (the default);
    train --model cyclegan --dataset mnist-thickness --objective "${run%:*}" --seed "${run#*:}" \
          --out "runs/readme-cyclegan-${run%:*}-seed${run#*:}"   # seed 0: the img2img part
  done
fi
