package io.specprefill.udf.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * E4M3 decoding against the OCP definition computed in double, and encoding against a nearest-value
 * search over the 126 positive finite values (ties to the even code), at every midpoint and its
 * neighbours, at random magnitudes across the whole range, and at the saturation and NaN edges.
 */
class Fp8Test {

    /** The OCP E4M3 value of a code, in double, straight from the bit fields. */
    private static double reference(int c) {
        int e = (c >>> 3) & 15, m = c & 7;
        if (e == 15 && m == 7) return Double.NaN;
        double v = e == 0 ? m / 8.0 * Math.pow(2, -6) : (1 + m / 8.0) * Math.pow(2, e - 7);
        return (c & 0x80) != 0 ? -v : v;
    }

    /** Nearest positive code of |x| by search; ties to the even code; above 448 saturates. */
    private static int nearestPositive(double a) {
        int best = 0;
        for (int c = 1; c <= 0x7E; c++) {
            double d = Math.abs(reference(c) - a), bd = Math.abs(reference(best) - a);
            if (d < bd || (d == bd && (c & 1) == 0)) best = c;
        }
        return best;
    }

    @Test
    void decodesEveryCodeExactly() {
        int nan = 0;
        for (int c = 0; c < 256; c++) {
            double ref = reference(c);
            float got = Fp8.decode((byte) c);
            if (Double.isNaN(ref)) {
                assertTrue(Float.isNaN(got), "code " + c);
                nan++;
            } else {
                assertEquals(ref, got, 0.0, "code 0x" + Integer.toHexString(c));
                assertEquals(Double.doubleToRawLongBits(ref) < 0, Float.floatToRawIntBits(got) < 0, "sign of 0x" + Integer.toHexString(c));
            }
        }
        assertEquals(2, nan, "0x7F and 0xFF are the only NaNs (no infinities)");
        assertEquals(448f, Fp8.decode((byte) 0x7E));
        assertEquals(0x1p-9f, Fp8.decode((byte) 0x01), "smallest subnormal");
        assertEquals(0x1p-6f, Fp8.decode((byte) 0x08), "smallest normal");
    }

    @Test
    void encodeInvertsDecodeForEveryFiniteCode() {
        for (int c = 0; c < 256; c++) {
            if ((c & 0x7F) == 0x7F) continue;
            assertEquals((byte) c, Fp8.encode(Fp8.decode((byte) c)), "code 0x" + Integer.toHexString(c));
        }
    }

    @Test
    void midpointsRoundToTheEvenCodeAndNeighboursToTheNearer() {
        for (int c = 0; c < 0x7E; c++) {
            float lo = Fp8.decode((byte) c), hi = Fp8.decode((byte) (c + 1));
            float mid = (lo + hi) / 2;   // exact: both have at most 4 significant bits
            assertEquals((double) (lo + hi) / 2, mid, 0.0);
            int even = (c & 1) == 0 ? c : c + 1;
            for (float sign : new float[]{1, -1}) {
                int s = sign < 0 ? 0x80 : 0;
                assertEquals((byte) (s | even), Fp8.encode(sign * mid), "tie between 0x" + Integer.toHexString(c) + " and the next");
                assertEquals((byte) (s | c), Fp8.encode(sign * Math.nextDown(mid)), "just below the midpoint after 0x" + Integer.toHexString(c));
                assertEquals((byte) (s | (c + 1)), Fp8.encode(sign * Math.nextUp(mid)), "just above the midpoint after 0x" + Integer.toHexString(c));
            }
        }
    }

    @Test
    void randomValuesEncodeToTheNearestCode() {
        Random r = new Random(7);
        for (int i = 0; i < 20000; i++) {
            double a = Math.pow(2, -12 + 21 * r.nextDouble());   // 2^-12 .. 2^9: below subnormals to past 448
            float f = (float) (r.nextBoolean() ? a : -a);
            int expected = nearestPositive(Math.abs((double) f)) | (f < 0 ? 0x80 : 0);
            assertEquals((byte) expected, Fp8.encode(f), "encode(" + f + ")");
        }
    }

    @Test
    void saturatesAndKeepsNaN() {
        assertEquals((byte) 0x7E, Fp8.encode(448f));
        assertEquals((byte) 0x7E, Fp8.encode(463.9f), "would round to 448 anyway");
        assertEquals((byte) 0x7E, Fp8.encode(464f), "a tie with the NaN slot saturates");
        assertEquals((byte) 0x7E, Fp8.encode(1e6f));
        assertEquals((byte) 0xFE, Fp8.encode(Float.NEGATIVE_INFINITY));
        assertEquals(Fp8.NAN, Fp8.encode(Float.NaN));
        assertEquals((byte) 0x00, Fp8.encode(0x1p-11f), "2^-11 is below half the smallest subnormal");
        assertEquals((byte) 0x00, Fp8.encode(0x1p-10f), "half the smallest subnormal: tie to 0 (even)");
        assertEquals((byte) 0x80, Fp8.encode(-0f));
    }

    @Test
    void quantizeRowUsesAbsmaxOver448AndRoundsTheQuotient() {
        float[] x = {0.5f, -3.5f, 1e-3f, 2f, 0f};
        byte[] q = new byte[x.length];
        float s = Fp8.quantizeRow(x, 0, x.length, q, 0);
        assertEquals(3.5f / 448f, s);
        assertEquals((byte) 0xFE, q[1], "the absmax element maps to -448");
        for (int i = 0; i < x.length; i++) assertEquals(Fp8.encode(x[i] / s), q[i]);
        float[] decoded = new float[x.length];
        assertEquals(s, Fp8.quantizeRowDecoded(x, 0, x.length, decoded, 0));
        for (int i = 0; i < x.length; i++) assertEquals(Fp8.decode(q[i]), decoded[i]);
        assertEquals(1f, Fp8.quantizeRow(new float[3], 0, 3, new byte[3], 0), "a zero row has scale 1");
    }

    @Test
    void relativeErrorOfOneValueIsAtMostOneSixteenth() {
        // 3 mantissa bits: half an ulp is 2^-4 of the value for normals (scaled rows keep most values normal).
        List<Float> worst = new ArrayList<>();
        double max = 0;
        for (float v = 0x1p-6f; v < 448; v *= 1.0137f) {
            double err = Math.abs(Fp8.decode(Fp8.encode(v)) - v) / v;
            if (err > max) {
                max = err;
                worst.add(v);
            }
        }
        assertTrue(max <= 1.0 / 16 + 1e-7, "max relative rounding error " + max + " at " + worst);
    }
}
