using DeepFM.Serialization;

namespace DeepFM.Serving;

/// <summary>
/// Holds the model being served and replaces it on request or when its file changes. A replacement is loaded
/// completely (checksum, parameters, instance pool) before one reference write publishes it, so requests never see a
/// half-loaded model and none is dropped; a file that fails to load leaves the old model serving.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly ServingOptions _options;
    private readonly ServingMetrics _metrics;
    private readonly Action<string> _log;
    private readonly SemaphoreSlim _reloadLock = new(1, 1);
    private readonly Timer _debounce;
    private LoadedModel _current;
    private FileSystemWatcher? _watcher;
    private bool _disposed;

    /// <summary>Loads the initial model.</summary>
    /// <exception cref="UserInputException">The model file cannot be loaded.</exception>
    public ModelHost(ServingOptions options, ServingMetrics metrics, Action<string>? log = null)
    {
        _options = options;
        _metrics = metrics;
        _log = log ?? (_ => { });
        CheckModelFile(options.ModelPath, options.MaxModelBytes);
        _current = LoadedModel.Load(options.ModelPath, options.EffectiveWorkers, options.ChunkRows, options.Threads);
        _debounce = new Timer(_ => _ = ReloadFromWatchAsync());
        if (options.Watch) Watch(_current.Path);
    }

    /// <summary>The model serving now. Read it once per request: a reload may replace it at any moment.</summary>
    public LoadedModel Current => Volatile.Read(ref _current);

    /// <summary>Raised after a successful reload (tests and logs).</summary>
    public event Action<LoadedModel>? Reloaded;

    /// <summary>
    /// Loads <paramref name="path"/> (default: the current model's path) and makes it the served model. Reloads run one
    /// at a time.
    /// </summary>
    /// <exception cref="UserInputException">The file cannot be loaded; the old model keeps serving.</exception>
    public async Task<LoadedModel> ReloadAsync(string? path = null, CancellationToken cancel = default)
    {
        await _reloadLock.WaitAsync(cancel).ConfigureAwait(false);
        try
        {
            return await LoadAndSwapAsync(path ?? Current.Path, onlyIfChanged: false).ConfigureAwait(false) ?? Current;
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    private async Task<LoadedModel?> LoadAndSwapAsync(string path, bool onlyIfChanged)
    {
        var old = Current;
        try
        {
            // A touched but identical file (same SHA-256) is not worth a reload.
            if (onlyIfChanged && path == old.Path && File.Exists(path) && ModelFile.FileChecksum(path) == old.Checksum) return null;
            // Only a regular file of bounded size is read (a device such as /dev/zero never ends), off the request
            // thread (loading reads and hashes the whole file), and for at most the reload timeout.
            CheckModelFile(path, _options.MaxModelBytes);
            LoadedModel loaded;
            try
            {
                loaded = await Task.Run(() => LoadedModel.Load(path, _options.EffectiveWorkers, _options.ChunkRows, _options.Threads))
                    .WaitAsync(_options.ReloadTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new UserInputException($"{path}: loading the model took longer than {_options.ReloadTimeout.TotalSeconds:0.#} s; reload abandoned.");
            }
            Volatile.Write(ref _current, loaded);
            _metrics.Reloaded(ok: true);
            _log($"serve: now serving {loaded.Path} ({loaded.Saved.Model.Config.Model}, sha256 {loaded.Checksum[..12]})");
            if (_options.Watch && !string.Equals(Path.GetFullPath(path), Path.GetFullPath(old.Path), StringComparison.Ordinal))
                Watch(loaded.Path);
            Reloaded?.Invoke(loaded);
            return loaded;
        }
        catch (Exception e) when (e is UserInputException or IOException or UnauthorizedAccessException)
        {
            _metrics.Reloaded(ok: false);
            _log($"serve: reload of {path} rejected, still serving {old.Path}: {e.Message}");
            if (e is UserInputException) throw;
            throw new UserInputException($"{path}: cannot read the model file ({e.Message}).", e);
        }
    }

    private void Watch(string path)
    {
        _watcher?.Dispose();
        _watcher = null;
        string full = Path.GetFullPath(path);
        try
        {
            var w = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full))
            {
                // ModelFile.Save writes a temporary file and renames it over the model: a rename, not a write.
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            w.Changed += OnFileEvent;
            w.Created += OnFileEvent;
            w.Renamed += OnFileEvent;
            w.EnableRaisingEvents = true;
            _watcher = w;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            _log($"serve: cannot watch {full} ({e.Message}); use POST /v1/reload");
        }
    }

    // Every event restarts the quiet period; the reload runs once events stop (a copy raises many writes).
    private void OnFileEvent(object sender, FileSystemEventArgs e)
    {
        if (!_disposed) _debounce.Change(_options.WatchDebounce, Timeout.InfiniteTimeSpan);
    }

    private async Task ReloadFromWatchAsync()
    {
        if (_disposed || !await _reloadLock.WaitAsync(0).ConfigureAwait(false))
        {
            // A reload is running; look again after another quiet period so this change is not lost.
            if (!_disposed) _debounce.Change(_options.WatchDebounce, Timeout.InfiniteTimeSpan);
            return;
        }
        try
        {
            await LoadAndSwapAsync(Current.Path, onlyIfChanged: true).ConfigureAwait(false);
        }
        catch (UserInputException)
        {
            // Logged and counted; the old model keeps serving until a good file appears.
        }
        catch (Exception e)
        {
            // A timer callback must never throw: an unhandled exception there would end the process.
            _log($"serve: watched reload failed: {e.Message}");
        }
        finally
        {
            _reloadLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _watcher?.Dispose();
        _debounce.Dispose();
    }

    /// <summary>A model to load must be a regular file of at most <paramref name="maxBytes"/> bytes.</summary>
    /// <exception cref="UserInputException">It is not.</exception>
    internal static void CheckModelFile(string path, long maxBytes)
    {
        ModelFile.RequireRegularFile(path);
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new UserInputException($"{path}: {length:N0} bytes, more than the largest model file the service reads ({maxBytes:N0} bytes).");
    }
}
