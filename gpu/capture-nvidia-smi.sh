#!/bin/sh
# Prints this host's GPUs with the exact query eproof parses (src/fleet/nvidiaSmi.ts), so an operator
# can check what `eproof gpus` will see, or attach the output to a bug report.
set -eu
exec nvidia-smi \
  --query-gpu=index,uuid,name,memory.total,memory.used,power.draw,power.limit,utilization.gpu,temperature.gpu \
  --format=csv,noheader,nounits
