using System.Runtime.CompilerServices;

namespace DeepFM.Distributed;

/// <summary>
/// <c>MPI_COMM_WORLD</c> of Open MPI: the ranks <c>mpirun</c> started. <see cref="Open"/> initialises MPI (once per
/// process; MPI cannot be restarted after <see cref="Dispose"/> finalises it) and sets the world's error handler to
/// <c>MPI_ERRORS_RETURN</c>, so a failed call throws <see cref="MpiException"/> instead of ending the process
/// inside the library. A rank that dies (killed, crashed, or a call to <see cref="Abort"/>) makes <c>mpirun</c> end
/// the others: no rank is left waiting in a collective.
/// </summary>
/// <remarks>Calls must come from one thread at a time (MPI is initialised <c>MPI_THREAD_SERIALIZED</c>). Gathers and
/// broadcasts move raw bytes (<c>MPI_BYTE</c>), so any unmanaged element type works; sums use the element's MPI type.
/// Buffers the variable-length gather needs are kept and reused, so steady-state calls allocate nothing.</remarks>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    private readonly MpiLibrary _mpi;
    private readonly bool _ownsInit;
    private int[] _byteCounts = [], _byteOffsets = [];
    private bool _disposed;

    private MpiCommunicator(MpiLibrary mpi, bool ownsInit)
    {
        _mpi = mpi;
        _ownsInit = ownsInit;
        int rank, size;
        mpi.Check(mpi.CommSetErrhandler(mpi.CommWorld, mpi.ErrorsReturn), "MPI_Comm_set_errhandler");
        mpi.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        mpi.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    /// <summary>Initialises MPI (unless something in this process already has) and returns the world.</summary>
    /// <exception cref="UserInputException">Open MPI's library is not installed.</exception>
    public static MpiCommunicator Open()
    {
        var mpi = MpiLibrary.Load();
        int initialized, finalized;
        mpi.Check(mpi.Finalized(&finalized), "MPI_Finalized");
        if (finalized != 0) throw new InvalidOperationException("MPI was finalized in this process; it cannot be initialised again.");
        mpi.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized != 0) return new MpiCommunicator(mpi, ownsInit: false);
        int provided;
        int code = mpi.InitThread(null, null, MpiLibrary.ThreadSerialized, &provided);
        if (code != 0) throw new UserInputException($"MPI_Init_thread failed (MPI error {code}): start the ranks with mpirun (Open MPI), e.g. mpirun -np 2 deepfm train ... --distributed mpi.");
        return new MpiCommunicator(mpi, ownsInit: true);
    }

    /// <summary>Whether this process was started by Open MPI's <c>mpirun</c> (which sets <c>OMPI_COMM_WORLD_SIZE</c>).</summary>
    public static bool UnderMpirun => Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null;

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public void AllReduceSum(Span<float> values) => AllReduce(values, _mpi.Float, _mpi.OpSum);

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values) => AllReduce(values, _mpi.Double, _mpi.OpSum);

    /// <inheritdoc />
    public void AllReduceSum(Span<long> values) => AllReduce(values, _mpi.LongLong, _mpi.OpSum);

    /// <inheritdoc />
    public void AllReduceMax(Span<long> values) => AllReduce(values, _mpi.LongLong, _mpi.OpMax);

    private void AllReduce<T>(Span<T> values, nint type, nint op) where T : unmanaged
    {
        ThrowIfDisposed();
        if (values.IsEmpty) return;
        fixed (T* p = values)
            _mpi.Check(_mpi.Allreduce(MpiLibrary.InPlace, (nint)p, values.Length, type, op, _mpi.CommWorld), "MPI_Allreduce");
    }

    /// <inheritdoc />
    public void AllGather<T>(ReadOnlySpan<T> mine, Span<T> all) where T : unmanaged
    {
        ThrowIfDisposed();
        if (all.Length != (long)mine.Length * Size) throw new ArgumentException("AllGather: the output must hold Size × mine.Length elements.", nameof(all));
        int bytes = Bytes<T>(mine.Length);
        fixed (T* s = mine)
        fixed (T* r = all)
            _mpi.Check(_mpi.Allgather((nint)s, bytes, _mpi.Byte, (nint)r, bytes, _mpi.Byte, _mpi.CommWorld), "MPI_Allgather");
    }

    /// <inheritdoc />
    public void AllGatherV<T>(ReadOnlySpan<T> mine, Span<T> all, ReadOnlySpan<int> counts) where T : unmanaged
    {
        ThrowIfDisposed();
        if (counts.Length != Size) throw new ArgumentException("AllGatherV: counts must hold one length per rank.", nameof(counts));
        if (counts[Rank] != mine.Length) throw new ArgumentException("AllGatherV: counts[Rank] must be this rank's length.", nameof(counts));
        if (_byteCounts.Length != Size) (_byteCounts, _byteOffsets) = (new int[Size], new int[Size]);
        long offset = 0;
        for (int r = 0; r < Size; r++)
        {
            _byteCounts[r] = Bytes<T>(counts[r]);
            _byteOffsets[r] = Bytes<T>(offset);
            offset += counts[r];
        }
        if (all.Length < offset) throw new ArgumentException("AllGatherV: the output is shorter than the sum of counts.", nameof(all));
        fixed (T* s = mine)
        fixed (T* r = all)
        fixed (int* c = _byteCounts)
        fixed (int* d = _byteOffsets)
            _mpi.Check(_mpi.Allgatherv((nint)s, _byteCounts[Rank], _mpi.Byte, (nint)r, c, d, _mpi.Byte, _mpi.CommWorld), "MPI_Allgatherv");
    }

    /// <inheritdoc />
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        fixed (T* p = values)
            _mpi.Check(_mpi.Bcast((nint)p, Bytes<T>(values.Length), _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
    }

    /// <inheritdoc />
    public void Barrier()
    {
        ThrowIfDisposed();
        _mpi.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");
    }

    /// <inheritdoc />
    public void Abort(int errorCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, errorCode);
        Environment.Exit(errorCode);   // MPI_Abort does not return; should it, the process still ends
    }

    /// <summary>Finalises MPI if <see cref="Open"/> initialised it. Every rank must get here: finalisation waits for
    /// all of them, so a failing rank calls <see cref="Abort"/> instead.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsInit) _mpi.Check(_mpi.Finalize(), "MPI_Finalize");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Bytes<T>(long elements) where T : unmanaged
    {
        long bytes = elements * sizeof(T);
        if (bytes > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(elements), "An MPI message is limited to 2 GiB.");
        return (int)bytes;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
