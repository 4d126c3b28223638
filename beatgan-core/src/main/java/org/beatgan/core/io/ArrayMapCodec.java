package org.beatgan.core.io;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Named ND4J arrays to bytes and back (optimizer state inside checkpoints). */
public final class ArrayMapCodec {
    private static final int MAGIC = 0x42474131; // "BGA1"

    private ArrayMapCodec() {
    }

    public static byte[] encode(Map<String, INDArray> arrays) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(arrays.size());
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                out.writeUTF(e.getKey());
                Nd4j.write(e.getValue(), out);
            }
        }
        return bytes.toByteArray();
    }

    public static Map<String, INDArray> decode(byte[] data, String what) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(what + ": not an array map (bad magic number)");
            }
            int n = in.readInt();
            Map<String, INDArray> out = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                out.put(in.readUTF(), Nd4j.read(in));
            }
            return out;
        } catch (RuntimeException | java.io.EOFException e) {
            throw new IOException(what + ": truncated or corrupt array map (" + e.getMessage() + ")", e);
        }
    }
}
