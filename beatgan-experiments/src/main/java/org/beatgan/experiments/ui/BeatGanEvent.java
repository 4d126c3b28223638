package org.beatgan.experiments.ui;

import org.deeplearning4j.core.storage.Persistable;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * A BeatGAN record in a DL4J stats storage (type id {@value #TYPE_ID}): what the Train pages have
 * no place for (every loss term, validation AUC per epoch, discriminator re-inits, sweep progress),
 * as JSON. Stored next to DL4J's own records, so stats files keep it and our page reads it back.
 */
public final class BeatGanEvent implements Persistable {

    public static final String TYPE_ID = "BeatGAN";
    private static final long serialVersionUID = 1L;

    private String sessionId;
    private String workerId;
    private long timestamp;
    private String json;

    public BeatGanEvent() {
    }

    public BeatGanEvent(String sessionId, String workerId, long timestamp, String json) {
        this.sessionId = sessionId;
        this.workerId = workerId;
        this.timestamp = timestamp;
        this.json = json;
    }

    public String json() {
        return json;
    }

    @Override
    public String getSessionID() {
        return sessionId;
    }

    @Override
    public String getTypeID() {
        return TYPE_ID;
    }

    @Override
    public String getWorkerID() {
        return workerId;
    }

    @Override
    public long getTimeStamp() {
        return timestamp;
    }

    @Override
    public int encodingLengthBytes() {
        return encode().length;
    }

    @Override
    public byte[] encode() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            encode(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    @Override
    public void encode(ByteBuffer buffer) {
        buffer.put(encode());
    }

    @Override
    public void encode(OutputStream out) throws IOException {
        DataOutputStream d = new DataOutputStream(out);
        d.writeUTF(sessionId);
        d.writeUTF(workerId);
        d.writeLong(timestamp);
        byte[] j = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        d.writeInt(j.length);
        d.write(j);
        d.flush();
    }

    @Override
    public void decode(byte[] bytes) {
        try {
            decode(new java.io.ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("Corrupt BeatGAN stats record", e);
        }
    }

    @Override
    public void decode(ByteBuffer buffer) {
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        decode(b);
    }

    @Override
    public void decode(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        sessionId = d.readUTF();
        workerId = d.readUTF();
        timestamp = d.readLong();
        byte[] j = new byte[d.readInt()];
        d.readFully(j);
        json = new String(j, java.nio.charset.StandardCharsets.UTF_8);
    }
}
