package io.specprefill.udf.llama;

/**
 * The logits of one forward step: [rows, vocab] float32 on the backend, one row per chosen row of
 * the step. Valid until the next step of the same {@link LlamaForward}. Greedy decoding asks only
 * for {@link #argmax}: one backend argmax over all rows and a copy of the ids, never the logits;
 * sampling asks for {@link #sampleTopP}: one backend op over all rows, again copying only the ids.
 */
public final class Logits {
    private final Backend backend;
    private final int vocab;
    private Backend.Tensor data;
    private Backend.Ints ids;
    private int[] hostIds = new int[0];
    private int[] sampled = new int[0];
    private int rows;
    private boolean argmaxDone;

    Logits(Backend backend, int vocab) {
        this.backend = backend;
        this.vocab = vocab;
    }

    /** Points this view at a new step's logits. */
    void reset(Backend.Tensor data, Backend.Ints ids, int rows) {
        this.data = data;
        this.ids = ids;
        this.rows = rows;
        this.argmaxDone = false;
        if (hostIds.length < rows) hostIds = new int[rows];
        if (sampled.length < rows) sampled = new int[rows];
    }

    public int rows() {
        return rows;
    }

    public int vocab() {
        return vocab;
    }

    /** The backend tensor [rows, vocab] (row r at r * vocab). */
    public Backend.Tensor tensor() {
        return data;
    }

    /** argmax of row r (lowest index on ties); the first call of a step computes every row at once. */
    public int argmax(int r) {
        check(r);
        if (!argmaxDone) {
            backend.argmax(ids, data, rows, vocab);
            backend.read(ids, hostIds, rows);
            argmaxDone = true;
        }
        return hostIds[r];
    }

    /**
     * Temperature + top-p ids of every row ({@link Backend#sampleTopP}; temperature, topP, uniforms
     * [rows], entry r for row r). Returns a buffer of at least rows ids, valid until the next call.
     * Shares the backend id buffer with {@link #argmax}, whose ids were already copied to the host.
     */
    public int[] sampleTopP(float[] temperature, float[] topP, float[] uniforms) {
        backend.sampleTopP(ids, data, rows, vocab, temperature, topP, uniforms);
        backend.read(ids, sampled, rows);
        return sampled;
    }

    /** Copies row r to dst[0, vocab) on the host and returns dst (a new array when dst is null or short). */
    public float[] row(int r, float[] dst) {
        check(r);
        float[] out = dst != null && dst.length >= vocab ? dst : new float[vocab];
        backend.read(data, (long) r * vocab, out, vocab);
        return out;
    }

    private void check(int r) {
        if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("logits row " + r + " of " + rows);
    }
}
