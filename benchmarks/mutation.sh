#!/usr/bin/env bash
# Mutation testing of the engine with mutmut, not run by CI.
#
#   pip install ".[test,parity,dev]" && benchmarks/mutation.sh [losses|bptt|cells]
#
# Each engine module is mutated against the fast tests that pin it down
# exactly (the table below). mutmut runs in a scratch copy of the repository,
# .mutmut/<module>/ (git-ignored), which keeps its state: run the same command
# again to resume an interrupted run. At the end mutmut lists the mutants that
# survived, each one a change of the code that no test noticed.
#
# mutmut counts a timeout as detected, so a timeout must be a real one: see
# OMP_NUM_THREADS below (without it, 242 of _bptt.py's 692 mutants "timed
# out", and 58 of them passed every test when run again in fresh processes).
# Keep mutmut's default limits (15 times the tests' time + 1 s of wall time,
# twice that of CPU time).
set -euo pipefail
cd "$(dirname "$0")/.."
module="${1:-losses}"
case "$module" in
  losses)
    sources="_losses.py _activations.py"
    # (the per-step test hands the losses (n_timesteps, n_samples, n_outputs))
    tests="tests/test_activations_losses.py tests/test_parity.py
      tests/test_bptt.py::test_per_step_loss_is_the_weighted_mean_over_targeted_steps" ;;
  bptt)
    sources="_bptt.py"
    tests="tests/test_parity.py
      tests/test_bptt.py::test_per_step_loss_is_the_weighted_mean_over_targeted_steps
      tests/test_bptt.py::test_l2_penalty_is_half_alpha_times_the_squared_weights_over_the_weight_sum
      tests/test_bptt.py::test_no_sample_weight_is_a_weight_of_one_for_every_sequence
      tests/test_bptt.py::test_float32_passes_keep_every_work_array_in_float32
      tests/test_resources.py::test_chunked_loss_and_gradient_equal_the_whole_batch
      tests/test_bptt.py::test_per_step_gradients_on_every_coordinate[1-rnn-layers1-False-pre]
      tests/test_bptt.py::test_per_step_gradients_on_every_coordinate[2-rnn-layers2-False-post]
      tests/test_bptt.py::test_per_step_gradients_on_every_coordinate[3-rnn-layers3-False-mid]
      tests/test_bptt.py::test_per_step_gradients_on_every_coordinate[4-rnn-layers4-True-none]
      tests/test_bptt.py::test_per_step_gradients_on_every_coordinate[7-rnn-layers7-True-mid]
      tests/test_bptt.py::test_padded_batch_equals_unpadded_sequences
      tests/test_bptt.py::test_padding_receives_no_gradient
      tests/test_bptt.py::test_dropout_masks_are_per_sequence_and_scaled
      tests/test_per_step.py::test_forecast_feeds_each_prediction_back
      tests/test_per_step.py::test_forecast_from_a_padded_history_equals_the_unpadded_one
      tests/test_per_step.py::test_padded_outputs_equal_the_unpadded_sequences
      tests/test_per_step.py::test_a_float32_model_predicts_and_forecasts_in_float32" ;;
  cells)
    sources="_cells.py"
    tests="tests/test_parity.py
      tests/test_bptt.py::test_cell_gradients
      tests/test_bptt.py::test_cells_padded_batch_equals_unpadded_sequences
      tests/test_bptt.py::test_backward_in_blocks_of_steps_equals_all_steps_at_once
      tests/test_bptt.py::test_gradients_of_batches_big_enough_for_the_exp_forms
      tests/test_bptt.py::test_float32_passes_keep_every_work_array_in_float32
      tests/test_cells.py::test_saturated_gates_forward_and_backward_without_warnings
      tests/test_cells.py::test_padding_anywhere_predicts_as_unpadded
      tests/test_cells.py::test_parameter_shapes_and_views
      tests/test_cells.py::test_dropout_is_training_only_and_reproducible
      tests/test_per_step.py::test_forecast_feeds_each_prediction_back
      tests/test_per_step.py::test_forecast_from_a_padded_history_equals_the_unpadded_one
      tests/test_per_step.py::test_a_float32_model_predicts_and_forecasts_in_float32" ;;
  *)
    echo "usage: $0 [losses|bptt|cells]" >&2
    exit 2 ;;
esac

work=".mutmut/$module"
mkdir -p "$work"
# the tracked files, fresh (mutmut's own state in $work/mutants is kept)
git ls-files -z | xargs -0 cp --parents -t "$work"
# mutmut reads setup.cfg: pytest's section, then this module's mutmut section
{
  cat setup.cfg
  echo "[mutmut]"
  echo "source_paths ="
  for source in $sources; do echo "    sklearn_rnn/$source"; done
  echo "pytest_add_cli_args_test_selection ="
  for test in $tests; do echo "    $test"; done
  echo "pytest_add_cli_args ="
  echo "    -n"
  echo "    0"
  # the mutated modules import the rest of the package
  echo "also_copy ="
  echo "    conftest.py"
  for path in sklearn_rnn/*.py; do
    case " $sources " in *" ${path#sklearn_rnn/} "*) ;; *) echo "    $path" ;; esac
  done
} > "$work/setup.cfg"

cd "$work"
# mutmut imports scipy before conftest.py could set this (see conftest.py)
export SCIPY_ARRAY_API=1
# mutmut forks each mutant's test run from a process that has already run the
# tests; an OpenMP thread pool that PyTorch started there hangs in the forked
# child, and the hang counts as a timeout. One thread starts no pool.
export OMP_NUM_THREADS=1
mutmut run --max-children "${MUTMUT_CHILDREN:-2}"
mutmut results
