using DeepFM.Data;
using DeepFM.Engine;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace DeepFM.MLNet;

/// <summary>The lazy output of <see cref="DeepFMTransformer.Transform"/>: the input's columns plus Score, Probability, PredictedLabel.</summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly DeepFMTransformer _parent;
    private readonly IDataView _input;

    public ScoredDataView(DeepFMTransformer parent, IDataView input)
    {
        _parent = parent;
        _input = input;
        Schema = OutputSchema(input.Schema);
    }

    public static DataViewSchema OutputSchema(DataViewSchema input)
    {
        var b = new DataViewSchema.Builder();
        b.AddColumns(input);
        b.AddColumn("Score", NumberDataViewType.Single);
        b.AddColumn("Probability", NumberDataViewType.Single);
        b.AddColumn("PredictedLabel", BooleanDataViewType.Instance);
        return b.ToSchema();
    }

    public bool CanShuffle => _input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int n = _input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scores = needed.Any(i => i >= n);
        var inputColumns = needed.Where(i => i < n).Select(i => _input.Schema[i]).ToList();
        if (scores) inputColumns.AddRange(ColumnReader.Columns(_input.Schema, _parent.CategoricalColumns, _parent.NumericColumns));
        var cursor = _input.GetRowCursor(inputColumns.DistinctBy(c => c.Index), rand);
        // Scores are computed a block of rows at a time by a second cursor over the same rows, running ahead of this
        // one. An unshuffled cursor's order is fixed, so both see the same rows; a shuffled one scores row by row.
        DataViewRowCursor? ahead = scores && rand is null
            ? _input.GetRowCursor(ColumnReader.Columns(_input.Schema, _parent.CategoricalColumns, _parent.NumericColumns).DistinctBy(c => c.Index))
            : null;
        return new Cursor(this, cursor, ahead, needed, scores);
    }

    // One cursor: it already scores in blocks (the matrix products use every core), and a set of cursors would need
    // the input's split of rows, which a read-ahead cursor cannot reproduce.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoredDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly HashSet<int> _active;
        /// <summary>Rows scored per forward pass when reading ahead.</summary>
        private const int BlockRows = 512;

        private readonly DataViewRowCursor? _ahead;
        private readonly ColumnReader? _reader;
        private readonly Batch _batch;
        private readonly float[] _logits;
        private readonly Workspace _workspace = new(isTraining: false);
        private long _blockStart = -1;
        private long _aheadRows;
        private int _blockCount;
        private long _scoredPosition = -1;
        private float _logit, _probability;

        public Cursor(ScoredDataView view, DataViewRowCursor input, DataViewRowCursor? ahead, HashSet<int> active, bool scores)
        {
            _view = view;
            _input = input;
            _ahead = ahead;
            _active = active;
            var map = view._parent.Model.FeatureMap;
            int capacity = ahead is null ? 1 : BlockRows;
            _batch = new Batch(capacity, map.FieldCount);
            _logits = new float[capacity];
            if (scores) _reader = new ColumnReader(ahead ?? input, view._parent.CategoricalColumns, view._parent.NumericColumns);
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override bool MoveNext() => _input.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int n = _view._input.Schema.Count;
            if (column.Index < n) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            if (!_active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            return ScoreColumns.Getter<TValue>(column, n, () => { Score(); return (_logit, _probability); });
        }

        /// <summary>The current row's logit and probability, computed once however many of the three columns are read.</summary>
        private void Score()
        {
            long position = _input.Position;
            if (_scoredPosition == position) return;
            if (_ahead is null)
            {
                Encode(0);
                _batch.Size = 1;
                _logit = _view._parent.Model.Model.Forward(_batch, _workspace).Span[0];
            }
            else
            {
                if (position < _blockStart || position >= _blockStart + _blockCount) ScoreBlockFrom(position);
                _logit = _logits[position - _blockStart];
            }
            _probability = 1f / (1f + MathF.Exp(-_logit));
            _scoredPosition = position;
        }

        /// <summary>Moves the read-ahead cursor to <paramref name="position"/> and scores the block of rows from there.</summary>
        private void ScoreBlockFrom(long position)
        {
            // Counted here: a cursor's Position turns to −1 once it runs out.
            var ahead = _ahead!;
            while (_aheadRows < position)
            {
                if (!ahead.MoveNext()) throw new InvalidOperationException("The input's cursors do not visit the same rows; DeepFM cannot score it in blocks.");
                _aheadRows++;
            }
            int rows = 0;
            while (rows < _batch.Capacity && ahead.MoveNext()) Encode(rows++);
            _aheadRows += rows;
            if (rows == 0) throw new InvalidOperationException("The input's cursors do not visit the same rows; DeepFM cannot score it in blocks.");
            _batch.Size = rows;
            _view._parent.Model.Model.Forward(_batch, _workspace).Span[..rows].CopyTo(_logits);
            _blockStart = position;
            _blockCount = rows;
        }

        /// <summary>Encodes the reader's current row into row <paramref name="row"/> of the batch.</summary>
        private void Encode(int row) => ScoreColumns.Encode(_view._parent, _reader!, _batch, row);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _input.Dispose();
                _ahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
