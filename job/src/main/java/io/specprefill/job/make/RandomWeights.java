package io.specprefill.job.make;

import io.specprefill.udf.model.CheckpointWriter;
import io.specprefill.udf.model.DType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Random weights for real-shape performance runs, as Hugging Face initializes a fresh model: every
 * matrix uniform in [-s, s) with standard deviation {@code std} (s = std x sqrt(3); transformers'
 * {@code initializer_range} is 0.02), norm weights 1, biases 0. They cost the same FLOPs and bytes
 * as trained ones.
 *
 * <p>Element i of a tensor is a pure function of (seed, tensor name, i): a counter-based generator
 * (SplitMix64's finalizer over seed-of-tensor + i/2, two 24-bit uniforms per 64-bit draw), so any
 * chunk can be made by any thread in any order and the file is the same for a given seed. The
 * conversion to BF16/F16 rounds to nearest even.
 */
final class RandomWeights implements CheckpointWriter.Source {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final float TWO_POW_MINUS_24 = 0x1p-24f;

    private final long seed;
    private final float scale;

    RandomWeights(long seed, double std) {
        this.seed = seed;
        this.scale = (float) (std * Math.sqrt(3.0));
    }

    /** What a tensor holds, from its Hugging Face name. */
    enum Kind { RANDOM, ONES, ZEROS }

    static Kind kind(String name) {
        if (name.endsWith("norm.weight")) return Kind.ONES;    // input_layernorm, q_norm, model.norm, ...
        if (name.endsWith(".bias")) return Kind.ZEROS;
        return Kind.RANDOM;
    }

    @Override
    public void fill(CheckpointWriter.Spec t, long from, int count, ByteBuffer out) {
        Kind kind = kind(t.name());
        if (kind != Kind.RANDOM) {
            float v = kind == Kind.ONES ? 1f : 0f;
            for (int i = 0; i < count; i++) put(t.dtype(), v, out);
            return;
        }
        long base = mix(seed ^ fnv64(t.name()));
        if (t.dtype() == DType.BF16) {
            fillBf16(base, from, count, out);
            return;
        }
        for (long i = from; i < from + count; i++) put(t.dtype(), uniform(base, i), out);
    }

    /**
     * The hot path (BF16, what every shape uses): pairs of elements per draw, rounded and put
     * straight into the (direct) buffer, so nothing of the chunk is held on the heap.
     */
    private void fillBf16(long base, long from, int count, ByteBuffer out) {
        long i = from;
        long end = from + count;
        if ((i & 1) == 1) out.putShort(DType.floatToBf16(uniform(base, i++)));   // odd start: a pair's second half
        for (; i + 1 < end; i += 2) {
            long h = mix(base + (i >>> 1) * GOLDEN);
            out.putShort(DType.floatToBf16(toValue((int) (h >>> 40))));
            out.putShort(DType.floatToBf16(toValue((int) (h >>> 16) & 0xFFFFFF)));
        }
        if (i < end) out.putShort(DType.floatToBf16(uniform(base, i)));
    }

    /** Element i alone: the half of pair i/2 that is its own. */
    float uniform(long base, long i) {
        long h = mix(base + (i >>> 1) * GOLDEN);
        return toValue((i & 1) == 0 ? (int) (h >>> 40) : (int) (h >>> 16) & 0xFFFFFF);
    }

    /** A 24-bit integer to [-s, s). */
    private float toValue(int bits24) {
        return (bits24 * TWO_POW_MINUS_24 * 2f - 1f) * scale;
    }

    private static void put(DType dtype, float v, ByteBuffer out) {
        switch (dtype) {
            case BF16 -> out.putShort(DType.floatToBf16(v));
            case F16 -> out.putShort(DType.floatToF16(v));
            case F32 -> out.putFloat(v);
            default -> throw new IllegalStateException(dtype.name());
        }
    }

    /** SplitMix64's finalizer (Stafford's mix13): a bijection with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** FNV-1a, 64 bits, of the name's UTF-8 bytes: one stream per tensor. */
    static long fnv64(String s) {
        long h = 0xCBF29CE484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001B3L;
        }
        return h;
    }
}
