// Reference floor: a branch-free LIF update of the whole fly brain (138,639 neurons x 10,000
// steps of 0.1 ms: one simulated second), no synapses, no threshold bookkeeping: what a plain
// vectorised neuron loop costs on this machine, the yardstick for a whole-brain run loop.
//   g++ -O3 -ffast-math -std=c++17 lif_floor.cpp -o lif_floor && ./lif_floor
//   g++ -O3 -ffast-math -march=x86-64-v3 -std=c++17 lif_floor.cpp -o lif_floor_v3 && ./lif_floor_v3
// Build and run as above (benchmarks/flywire.py does, next to the whole-brain run loop). Measured on a 2-core machine of this project (AVX-512, 300 MB L3):
// f64 3.87 s / f32 1.51 s without -march (SSE2); f64 1.86 s / f32 0.81 s with
// -march=x86-64-v3 (AVX2, on practically every cluster node since 2013); -march=native the same.
#include <vector>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdint>
template <typename F>
void run(int n, int steps) {
  std::vector<F> v(n, -52e-3), g(n, 0);
  std::vector<F> nr(n, 1);
  const double dt = 1e-4, tau_m = 20e-3, tau_s = 5e-3;
  const F a = std::exp(-dt/tau_m), b = std::exp(-dt/tau_s);
  const F c = (F)(tau_s/(tau_s - tau_m) * (std::exp(-dt/tau_s) - std::exp(-dt/tau_m)));
  const F vr = -52e-3, vth = -45e-3;
  long cnt = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (int s = 0; s < steps; ++s) {
    F* __restrict vp = v.data(); F* __restrict gp = g.data(); const F* __restrict np_ = nr.data();
    for (int i = 0; i < n; ++i) {
      const F vv = vp[i], gg = gp[i], m = np_[i];
      vp[i] = vv + m*((vr + (vv - vr)*a + gg*c) - vv);
      gp[i] = gg + m*(gg*b - gg);
    }
    for (int i = 0; i < n; ++i) cnt += vp[i] > vth;
    g[s % n] += 1e-3;
  }
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s branchless: %.2f s (%ld)\n", sizeof(F)==8?"f64":"f32", el, cnt);
}
int main() { int n = 138639, steps = 10000; run<double>(n, steps); run<float>(n, steps); }
