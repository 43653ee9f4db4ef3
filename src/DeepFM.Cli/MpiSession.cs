using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using DeepFM.Distributed;
using DeepFM.Models;

namespace DeepFM.Cli;

/// <summary>
/// One command run as a rank of an Open MPI job (<c>--distributed mpi</c>): MPI is initialised around the command,
/// rank 0 writes to the real streams and the other ranks are silent, and a failure on any rank is printed by that
/// rank and ends the whole job (<c>MPI_Abort</c>), because the other ranks would otherwise wait for it in their next
/// collective call.
/// </summary>
internal static class MpiSession
{
    /// <summary>Runs <paramref name="body"/> with this rank's streams and the world communicator.</summary>
    public static int Run(CliIO io, Func<CliIO, ICommunicator, int> body)
    {
        var comm = MpiCommunicator.Open();
        var rankIo = comm.Rank == 0 ? io : new CliIO(TextWriter.Null, TextWriter.Null);
        try
        {
            return body(rankIo, comm);
        }
        catch (Exception e) when (comm.Size > 1)
        {
            // The user's mistakes as the tool prints them elsewhere (a message); anything else with its stack trace.
            string what = e is UserInputException or IOException or UnauthorizedAccessException or MpiException ? e.Message : e.ToString();
            io.Err.WriteLine($"deepfm: error (rank {comm.Rank} of {comm.Size}): {what}");
            io.Err.Flush();
            comm.Abort(1);
            throw;   // not reached: Abort ends the process
        }
        finally
        {
            // Reached on success by every rank, and on failure only in a world of one: finalising waits for all ranks.
            comm.Dispose();
        }
    }

    /// <summary>Threads per rank when <c>--threads</c> is not given: the cores shared by the ranks on this host
    /// (mpirun's <c>OMPI_COMM_WORLD_LOCAL_SIZE</c>), so N ranks on one host do not run N × cores threads.</summary>
    public static int DefaultThreads()
    {
        string? local = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE");
        if (!int.TryParse(local, NumberStyles.Integer, CultureInfo.InvariantCulture, out int ranks) || ranks < 1) return 0;
        return Math.Max(1, Environment.ProcessorCount / ranks);
    }

    /// <summary>A hash of all the model's parameters (batch norm's running statistics too), in parameter order: the
    /// replicas must agree on it.</summary>
    public static ulong ParameterHash(CtrModel model)
    {
        var hash = new XxHash64();
        foreach (var p in model.Parameters()) hash.Append(MemoryMarshal.AsBytes(p.Value.AsSpan()));
        return hash.GetCurrentHashAsUInt64();
    }

    /// <summary>Compares the replicas' parameters and prints (rank 0) whether they are identical; returns whether
    /// they are.</summary>
    public static bool CheckReplicas(CliIO io, ICommunicator comm, CtrModel model)
    {
        var all = new ulong[comm.Size];
        comm.AllGather<ulong>([ParameterHash(model)], all);
        bool same = all.All(h => h == all[0]);
        if (same)
            io.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "replicas   {0} ranks, parameters identical (xxh64 {1:x16})", comm.Size, all[0]));
        else
            io.Err.WriteLine("deepfm: warning: the ranks' parameters differ (xxh64 " + string.Join(", ", all.Select(h => h.ToString("x16", CultureInfo.InvariantCulture))) + "); please report this.");
        return same;
    }
}
