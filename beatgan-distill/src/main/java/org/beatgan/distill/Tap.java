package org.beatgan.distill;

import org.beatgan.core.model.DistillableModel;

/**
 * One {@code teacher => student} tap of a term's role, resolved against both models: the
 * activation read on each side and, in the role {@code logits}, how each reads as logits.
 */
record Tap(String teacher, String student, DistillableModel.Logits.Form teacherForm,
           DistillableModel.Logits.Form studentForm) {

    static final String LOGITS = "logits";

    /** "G/enc/act3" taps the same activation on both sides; "A => B" taps teacher A, student B. */
    static Tap parse(String role, String tap, DistillableModel teacher, DistillableModel student) {
        String[] parts = tap.split("=>");
        if (parts.length > 2) {
            throw new IllegalArgumentException("Tap '" + tap + "': expected 'name' or 'teacherName => studentName'");
        }
        String t = parts[0].trim();
        String s = (parts.length == 2 ? parts[1] : parts[0]).trim();
        if (!role.equals(LOGITS)) {
            return new Tap(t, s, DistillableModel.Logits.Form.FLATTEN, DistillableModel.Logits.Form.FLATTEN);
        }
        DistillableModel.Logits tl = teacher.logits(t), sl = student.logits(s);
        return new Tap(tl.activation(), sl.activation(), tl.form(), sl.form());
    }
}
