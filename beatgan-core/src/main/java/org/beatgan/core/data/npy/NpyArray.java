package org.beatgan.core.data.npy;

import java.util.Arrays;

/**
 * An array read from a {@code .npy} file: its NumPy dtype, C-order shape and values in the Java
 * primitive type closest to the dtype ({@code float[]} for f4, {@code double[]} for f8,
 * {@code int[]} for i4, {@code long[]} for i8).
 *
 * <p>Values are not converted on read so that a large float32 cache is not doubled in memory;
 * the {@code as...} methods convert (copying only when the types differ).
 */
public final class NpyArray {

    private final String dtype;
    private final int[] shape;
    private final Object data;

    NpyArray(String dtype, int[] shape, Object data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
    }

    /** NumPy type string without byte order, e.g. {@code f8}, {@code f4}, {@code i4}. */
    public String dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long size() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public boolean isFloatingPoint() {
        return dtype.startsWith("f");
    }

    /** Values as float (f8 is rounded, integers converted). The array is shared for f4. */
    public float[] asFloats() {
        if (data instanceof float[] f) {
            return f;
        }
        int n = (int) size();
        float[] out = new float[n];
        if (data instanceof double[] d) {
            for (int i = 0; i < n; i++) {
                out[i] = (float) d[i];
            }
        } else if (data instanceof int[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else {
            long[] l = (long[]) data;
            for (int i = 0; i < n; i++) {
                out[i] = l[i];
            }
        }
        return out;
    }

    /** Values as double. The array is shared for f8. */
    public double[] asDoubles() {
        if (data instanceof double[] d) {
            return d;
        }
        int n = (int) size();
        double[] out = new double[n];
        if (data instanceof float[] f) {
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        } else if (data instanceof int[] a) {
            for (int i = 0; i < n; i++) {
                out[i] = a[i];
            }
        } else {
            long[] l = (long[]) data;
            for (int i = 0; i < n; i++) {
                out[i] = l[i];
            }
        }
        return out;
    }

    /**
     * Values as int; only for integer dtypes (a float array here is a caller bug, not data to round).
     *
     * @throws ArithmeticException if an i8 value does not fit in an int
     */
    public int[] asInts() {
        if (data instanceof int[] a) {
            return a;
        }
        if (data instanceof long[] l) {
            int[] out = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                out[i] = Math.toIntExact(l[i]);
            }
            return out;
        }
        throw new IllegalStateException("not an integer array: dtype " + dtype);
    }

    @Override
    public String toString() {
        return "NpyArray[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
