package io.packyard.formats.msi;

import io.packyard.msi.db.MsiDatabase;
import io.packyard.msi.db.StandardTables;
import io.packyard.msi.db.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One dialog of the installer's user interface being assembled: its size, attributes, title and
 * controls, each with its events (ControlEvent), conditions (ControlCondition) and subscriptions
 * (EventMapping). {@link #writeTo(MsiDatabase)} turns it into rows of the Dialog, Control,
 * ControlEvent, ControlCondition and EventMapping tables.
 *
 * <p>The tab order is the order in which controls are marked with {@link Control#tab()}: each such
 * control's Control_Next names the next one and the last names the first, so the chain is a closed
 * cycle (Windows Installer requires that; an open chain makes Tab stop or loop wrongly). Static
 * controls (lines, bitmaps, plain text) stay out of the chain, except text labels that carry an
 * accelerator for the control after them. Control_First is the first control in the chain unless
 * {@link #first(String)} names another one of the chain.
 */
final class MsiUiDialog {

    // Dialog attributes (msidbDialogAttributes*).
    static final int VISIBLE = 0x1;
    static final int MODAL = 0x2;
    static final int MINIMIZE = 0x4;
    static final int KEEP_MODELESS = 0x10;
    static final int TRACK_DISK_SPACE = 0x20;
    static final int ERROR = 0x10000;

    /** A modal wizard page: visible, modal, can be minimized. */
    static final int WIZARD = VISIBLE | MODAL | MINIMIZE;
    /** A modeless dialog (progress, preparing): visible, can be minimized. */
    static final int MODELESS = VISIBLE | MINIMIZE;

    // Control attributes (msidbControlAttributes*).
    static final int C_VISIBLE = 0x1;
    static final int C_ENABLED = 0x2;
    static final int C_SUNKEN = 0x4;
    static final int C_INDIRECT = 0x8;
    static final int C_TRANSPARENT = 0x10000;
    static final int C_NOPREFIX = 0x20000;
    static final int C_PROGRESS95 = 0x10000;
    static final int C_FIXED_VOLUME = 0x20000;
    static final int C_REMOTE_VOLUME = 0x40000;
    static final int C_SHOW_ROLLBACK_COST = 0x400000;
    static final int C_ICON = 0x80000;
    static final int C_FIXED_SIZE = 0x100000;
    static final int C_ICON_SIZE_16 = 0x200000;
    static final int C_ICON_SIZE_32 = 0x400000;
    static final int C_ELEVATION_SHIELD = 0x800000;

    private final String name;
    private final int width;
    private final int height;
    private final int attributes;
    private final String title;
    private final Map<String, Control> controls = new LinkedHashMap<>();
    private final List<Control> tabOrder = new ArrayList<>();
    private String first;
    private String defaultButton;
    private String cancelButton;

    MsiUiDialog(String name, int width, int height, int attributes, String title) {
        this.name = Objects.requireNonNull(name);
        this.width = width;
        this.height = height;
        this.attributes = attributes;
        this.title = title;
    }

    String name() {
        return name;
    }

    /** Adds a control; the name must be unique in the dialog. */
    Control add(String control, String type, int x, int y, int w, int h) {
        if (controls.containsKey(control)) {
            throw new IllegalStateException("dialog " + name + ": duplicate control " + control);
        }
        if (x + w > width || y + h > height) {
            throw new IllegalStateException("dialog " + name + ": control " + control + " (" + x + "," + y + " " + w + "x" + h
                    + ") extends beyond the dialog (" + width + "x" + height + ")");
        }
        Control c = new Control(control, type, x, y, w, h);
        controls.put(control, c);
        return c;
    }

    /** A Text control showing {@code text} (a formatted string). */
    Control text(String control, int x, int y, int w, int h, String text) {
        return add(control, "Text", x, y, w, h).text(text);
    }

    /** A PushButton. */
    Control button(String control, int x, int y, int w, int h, String text) {
        return add(control, "PushButton", x, y, w, h).text(text).tab();
    }

    /** A horizontal Line. */
    Control line(String control, int x, int y, int w) {
        return add(control, "Line", x, y, w, 0);
    }

    /** A Bitmap control showing the Binary row {@code binary}. */
    Control bitmap(String control, int x, int y, int w, int h, String binary) {
        return add(control, "Bitmap", x, y, w, h).text(binary);
    }

    /** Names the control that has the focus when the dialog opens (it must be in the tab chain). */
    MsiUiDialog first(String control) {
        this.first = control;
        return this;
    }

    /** Writes the dialog and its controls into the database. */
    void writeTo(MsiDatabase db) {
        if (tabOrder.isEmpty()) {
            throw new IllegalStateException("dialog " + name + ": no control in the tab chain");
        }
        String firstControl = first != null ? first : tabOrder.get(0).name;
        if (tabOrder.stream().noneMatch(c -> c.name.equals(firstControl))) {
            throw new IllegalStateException("dialog " + name + ": first control " + firstControl + " is not in the tab chain");
        }
        db.table(StandardTables.DIALOG).add(name, 50, 50, width, height, attributes, title,
                firstControl, defaultButton, cancelButton);
        Table control = db.table(StandardTables.CONTROL);
        Table event = db.table(StandardTables.CONTROL_EVENT);
        Table condition = db.table(StandardTables.CONTROL_CONDITION);
        Table mapping = db.table(StandardTables.EVENT_MAPPING);
        for (Control c : controls.values()) {
            String next = null;
            int i = tabOrder.indexOf(c);
            if (i >= 0) {
                next = tabOrder.get((i + 1) % tabOrder.size()).name;
            }
            control.add(name, c.name, c.type, c.x, c.y, c.w, c.h, c.attributes, c.property, c.text, next, c.help);
            int ordering = 1;
            for (String[] e : c.events) {
                event.add(name, c.name, e[0], e[1], e[2], ordering++);
            }
            for (String[] k : c.conditions) {
                condition.add(name, c.name, k[0], k[1]);
            }
            for (String[] m : c.subscriptions) {
                mapping.add(name, c.name, m[0], m[1]);
            }
        }
    }

    /** One control of the dialog. */
    final class Control {
        final String name;
        final String type;
        final int x;
        final int y;
        final int w;
        final int h;
        int attributes = C_VISIBLE | C_ENABLED;
        String property;
        String text;
        String help;
        final List<String[]> events = new ArrayList<>();
        final List<String[]> conditions = new ArrayList<>();
        final List<String[]> subscriptions = new ArrayList<>();

        private Control(String name, String type, int x, int y, int w, int h) {
            this.name = name;
            this.type = type;
            this.x = x;
            this.y = y;
            this.w = w;
            this.h = h;
        }

        Control text(String value) {
            this.text = value;
            return this;
        }

        Control property(String value) {
            this.property = value;
            return this;
        }

        /** The tooltip (Help column: {@code tooltip|}). */
        Control tooltip(String value) {
            this.help = value + "|";
            return this;
        }

        Control attributes(int bits) {
            this.attributes |= bits;
            return this;
        }

        Control hidden() {
            this.attributes &= ~C_VISIBLE;
            return this;
        }

        Control disabled() {
            this.attributes &= ~C_ENABLED;
            return this;
        }

        /** Static text drawn over a bitmap: transparent, and {@code &} shown as is. */
        Control label() {
            return attributes(C_TRANSPARENT | C_NOPREFIX);
        }

        /** Puts this control in the tab chain (after those already there). */
        Control tab() {
            if (!tabOrder.contains(this)) {
                tabOrder.add(this);
            }
            return this;
        }

        /** Removes this control from the tab chain. */
        Control noTab() {
            tabOrder.remove(this);
            return this;
        }

        /** Makes this the dialog's default button (Enter). */
        Control isDefault() {
            defaultButton = name;
            return this;
        }

        /** Makes this the dialog's cancel button (Esc, the close box). */
        Control isCancel() {
            cancelButton = name;
            return this;
        }

        /** A control event run when the control is activated, in the order published. */
        Control publish(String event, String argument, String condition) {
            events.add(new String[] {event, argument, condition});
            return this;
        }

        /** A control event with condition "1" (always). */
        Control publish(String event, String argument) {
            return publish(event, argument, "1");
        }

        /** Sets a property when the control is activated ({@code [Property]} event). */
        Control setProperty(String property, String value, String condition) {
            return publish("[" + property + "]", value, condition);
        }

        /** A ControlCondition: {@code action} is Default, Disable, Enable, Hide or Show. */
        Control when(String action, String condition) {
            conditions.add(new String[] {action, condition});
            return this;
        }

        /** An EventMapping: the control's {@code attribute} follows the published {@code event}. */
        Control subscribe(String event, String attribute) {
            subscriptions.add(new String[] {event, attribute});
            return this;
        }
    }
}
