using System.CommandLine;
using System.Diagnostics;
using DeepFM.Distributed;

namespace DeepFM.Cli.Commands;

/// <summary>
/// <c>deepfm mpi-check</c> (hidden): diagnostics of the MPI layer, run under <c>mpirun</c> by the tests and by users
/// checking an installation. <c>collectives</c>: every call against answers known from the ranks' ids (each rank
/// prints one line, <c>ok</c> or what was wrong; exit 1 on a wrong answer). <c>spin</c>: all-reduces until killed,
/// after printing its pid (the fault test kills one rank and times how fast the others end).
/// </summary>
internal static class MpiCheckCommand
{
    public static Command Create(CliIO io)
    {
        var mode = new Argument<string>("mode") { Description = "collectives or spin." };
        mode.AcceptOnlyFromAmong("collectives", "spin");
        var command = new Command("mpi-check", "Check the Open MPI layer (run under mpirun).") { Hidden = true };
        command.Arguments.Add(mode);
        command.SetAction(r =>
        {
            using var comm = MpiCommunicator.Open();
            return r.GetValue(mode) == "spin" ? Spin(io, comm) : Collectives(io, comm);
        });
        return command;
    }

    private static int Collectives(CliIO io, MpiCommunicator comm)
    {
        int rank = comm.Rank, n = comm.Size;
        var wrong = new List<string>();
        void Expect<T>(string what, ReadOnlySpan<T> got, ReadOnlySpan<T> expected) where T : IEquatable<T>
        {
            if (!got.SequenceEqual(expected)) wrong.Add($"{what}: got [{string.Join(",", got.ToArray())}], expected [{string.Join(",", expected.ToArray())}]");
        }

        float[] f = [rank + 1, 0.5f];
        comm.AllReduceSum(f);
        Expect<float>("AllReduceSum(float)", f, [n * (n + 1) / 2f, 0.5f * n]);
        double[] d = [rank * 0.25];
        comm.AllReduceSum(d);
        Expect<double>("AllReduceSum(double)", d, [0.25 * n * (n - 1) / 2]);
        long[] l = [(long)rank << 40, 1];
        comm.AllReduceSum(l);
        Expect<long>("AllReduceSum(long)", l, [((long)n * (n - 1) / 2) << 40, n]);
        long[] m = [rank, -rank];
        comm.AllReduceMax(m);
        Expect<long>("AllReduceMax(long)", m, [n - 1, 0]);

        var gathered = new int[2 * n];
        comm.AllGather<int>([rank * 10, rank * 10 + 1], gathered);
        Expect<int>("AllGather", gathered, Enumerable.Range(0, n).SelectMany(r => new[] { r * 10, r * 10 + 1 }).ToArray());

        var counts = Enumerable.Range(1, n).ToArray();   // rank r sends r + 1 copies of r
        var all = new long[counts.Sum()];
        comm.AllGatherV<long>(Enumerable.Repeat((long)rank, rank + 1).ToArray(), all, counts);
        Expect<long>("AllGatherV", all, Enumerable.Range(0, n).SelectMany(r => Enumerable.Repeat((long)r, r + 1)).ToArray());

        int root = n - 1;
        int[] b = [rank, rank * 7];
        comm.Broadcast<int>(b, root);
        Expect<int>("Broadcast", b, [root, root * 7]);
        comm.Barrier();

        // The runtime's own signal handling (a null dereference becomes an exception) must survive MPI_Init.
        try
        {
            _ = NullText()!.Length;
            wrong.Add("a null dereference did not throw");
        }
        catch (NullReferenceException) { }

        io.Out.WriteLine(wrong.Count == 0 ? $"rank {rank} of {n}: ok" : $"rank {rank} of {n}: " + string.Join("; ", wrong));
        io.Out.Flush();
        return wrong.Count == 0 ? 0 : 1;
    }

    private static string? NullText() => Environment.GetEnvironmentVariable("DEEPFM_SURELY_UNSET_" + Environment.ProcessId);

    private static int Spin(CliIO io, MpiCommunicator comm)
    {
        var buffer = new float[1 << 18];
        comm.AllReduceSum(buffer);
        io.Out.WriteLine($"rank {comm.Rank} pid {Environment.ProcessId} ready");
        io.Out.Flush();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2)) comm.AllReduceSum(buffer);   // bounded: a lost test never spins for ever
        return 0;
    }
}
