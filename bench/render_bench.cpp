// Seconds to render millions of localizations (uniform over a 25.6 µm field, uncertainty 5–30
// nm) into a 10 nm super-resolution image of 2560×2560 px, as a histogram and as Gaussians.
#include <benchmark/benchmark.h>

#include <string_view>

#include "kernels/parallel_for.h"
#include "kernels/random.h"
#include "reconstruction/render.h"

namespace {

smlm::LocalizationTable random_table(int64_t n) {
  smlm::LocalizationTable t;
  for (std::string_view name : {smlm::col::x, smlm::col::y, smlm::col::uncertainty_xy})
    t.add_column(name);
  t.resize(static_cast<size_t>(n));
  auto& x = t[smlm::col::x];
  auto& y = t[smlm::col::y];
  auto& u = t[smlm::col::uncertainty_xy];
  smlm::kernels::Rng rng(9, 0);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = 25600 * rng.uniform();
    y[i] = 25600 * rng.uniform();
    u[i] = 5 + 25 * rng.uniform();
  }
  return t;
}

// range(0): localizations (millions); range(1): 0 histogram, 1 Gaussian; range(2): threads.
void BM_Render(benchmark::State& state) {
  const int64_t n = state.range(0) * 1000000;
  const auto table = random_table(n);
  smlm::reconstruction::RenderSettings rs;
  rs.pixel_size_nm = 10;
  rs.width_nm = rs.height_nm = 25600;
  rs.method = state.range(1) != 0 ? smlm::reconstruction::RenderMethod::gaussian
                                  : smlm::reconstruction::RenderMethod::histogram;
  const int before = smlm::kernels::cpu_threads();
  smlm::kernels::set_cpu_threads(static_cast<int>(state.range(2)));
  int64_t locs = 0;
  for (auto _ : state) {
    const auto image = smlm::reconstruction::render(table, rs);
    benchmark::DoNotOptimize(image.data());
    locs += n;
  }
  state.SetItemsProcessed(locs);
  state.counters["Mlocs/s"] =
      benchmark::Counter(static_cast<double>(locs) / 1e6, benchmark::Counter::kIsRate);
  smlm::kernels::set_cpu_threads(before);
}

BENCHMARK(BM_Render)
    ->ArgNames({"Mlocs", "gaussian", "threads"})
    ->ArgsProduct({{1, 5}, {0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
