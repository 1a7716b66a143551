using BenchmarkDotNet.Running;
using SharpVpn.Benchmarks;

// BenchmarkDotNet:  dotnet run -c Release --project bench/SharpVpn.Benchmarks -- --filter '*' --job short
// CPU-time comparison with openssl speed:  ... -- cpu-compare
if (args.Length > 0 && args[0] == "cpu-compare")
{
    CpuTimeComparison.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
