package io.packyard.msi.db;

import java.util.List;
import java.util.Optional;

/**
 * The standard Windows Installer tables an installer with a user interface needs, defined once:
 * column names, types (as in the SDK's table reference: {@code s72}, {@code L0}, {@code i2},
 * {@code I4}, {@code v0}, ...), primary keys, and the {@code _Validation} data (category, value
 * range, foreign key table and column, set of values) that validation tools (ICE) check.
 *
 * <p>The definitions follow the Windows Installer SDK database reference (the same facts the SDK's
 * schema database and WiX's table definitions carry). Column order matters: values are given to
 * {@link Table#add(Object...)} in this order. For example:
 * <pre>{@code
 * // File: File, Component_, FileName, FileSize, Version, Language, Attributes, Sequence
 * db.table(StandardTables.FILE).add("python.exe", "c_python", "python.exe", 103192, "3.12.1150.1013", "0", 512, 1);
 * // Registry: Registry, Root, Key, Name, Value, Component_
 * db.table(StandardTables.REGISTRY).add("reg1", 2, "Software\\Acme\\Notes", "InstallDir", "[INSTALLDIR]", "c_reg");
 * }</pre>
 * {@link TableSchema#idtHeader()} prints a schema in the SDK's notation.
 */
public final class StandardTables {

    private StandardTables() {
    }

    /** The {@code _Validation} table. */
    public static final TableSchema VALIDATION = TableSchema.of("_Validation",
            Column.string("Table", 32).key().category(Category.Identifier),
            Column.string("Column", 32).key().category(Category.Identifier),
            Column.string("Nullable", 4).set("Y;N"),
            Column.longInt("MinValue").nullable().range(-2147483647, 2147483647),
            Column.longInt("MaxValue").nullable().range(-2147483647, 2147483647),
            Column.string("KeyTable", 255).nullable().category(Category.Identifier),
            Column.shortInt("KeyColumn").nullable().range(1, 32),
            Column.string("Category", 32).nullable().set("Text;Formatted;Template;Condition;Guid;Path;Version;Language;Identifier;Binary;UpperCase;LowerCase;Filename;Paths;AnyPath;WildCardFilename;RegPath;CustomSource;Property;Cabinet;Shortcut;FormattedSDDLText;Integer;DoubleInteger;TimeDate;DefaultDir"),
            Column.string("Set", 255).nullable().category(Category.Text),
            Column.string("Description", 255).nullable().category(Category.Text));

    /** The {@code Property} table. */
    public static final TableSchema PROPERTY = TableSchema.of("Property",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.string("Value", 0).localizable().category(Category.Text));

    /** The {@code Directory} table. */
    public static final TableSchema DIRECTORY = TableSchema.of("Directory",
            Column.string("Directory", 72).key().category(Category.Identifier),
            Column.string("Directory_Parent", 72).nullable().category(Category.Identifier).keyTable("Directory", 1),
            Column.string("DefaultDir", 255).localizable().category(Category.DefaultDir));

    /** The {@code Component} table. */
    public static final TableSchema COMPONENT = TableSchema.of("Component",
            Column.string("Component", 72).key().category(Category.Identifier),
            Column.string("ComponentId", 38).nullable().category(Category.Guid),
            Column.string("Directory_", 72).category(Category.Identifier).keyTable("Directory", 1),
            Column.shortInt("Attributes"),
            Column.string("Condition", 255).nullable().category(Category.Condition),
            Column.string("KeyPath", 72).nullable().category(Category.Identifier).keyTable("File;Registry;ODBCDataSource", 1));

    /** The {@code File} table. */
    public static final TableSchema FILE = TableSchema.of("File",
            Column.string("File", 72).key().category(Category.Identifier),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("FileName", 255).localizable().category(Category.Filename),
            Column.longInt("FileSize").range(0, 2147483647),
            Column.string("Version", 72).nullable().category(Category.Version).keyTable("File", 1),
            Column.string("Language", 20).nullable().category(Category.Language),
            Column.shortInt("Attributes").nullable().range(0, 32767),
            Column.longInt("Sequence").range(1, 2147483647));

    /** The {@code Feature} table. */
    public static final TableSchema FEATURE = TableSchema.of("Feature",
            Column.string("Feature", 38).key().category(Category.Identifier),
            Column.string("Feature_Parent", 38).nullable().category(Category.Identifier).keyTable("Feature", 1),
            Column.string("Title", 64).nullable().localizable().category(Category.Text),
            Column.string("Description", 255).nullable().localizable().category(Category.Text),
            Column.shortInt("Display").nullable().range(0, 32767),
            Column.shortInt("Level").range(0, 32767),
            Column.string("Directory_", 72).nullable().category(Category.UpperCase).keyTable("Directory", 1),
            Column.shortInt("Attributes").set("0;1;2;4;5;6;8;9;10;16;17;18;20;21;22;24;25;26;32;33;34;36;37;38;48;49;50;52;53;54"));

    /** The {@code FeatureComponents} table. */
    public static final TableSchema FEATURE_COMPONENTS = TableSchema.of("FeatureComponents",
            Column.string("Feature_", 38).key().category(Category.Identifier).keyTable("Feature", 1),
            Column.string("Component_", 72).key().category(Category.Identifier).keyTable("Component", 1));

    /** The {@code Media} table. */
    public static final TableSchema MEDIA = TableSchema.of("Media",
            Column.shortInt("DiskId").key().range(1, 32767),
            Column.longInt("LastSequence").range(0, 2147483647),
            Column.string("DiskPrompt", 64).nullable().localizable().category(Category.Text),
            Column.string("Cabinet", 255).nullable().category(Category.Cabinet),
            Column.string("VolumeLabel", 32).nullable().category(Category.Text),
            Column.string("Source", 72).nullable().category(Category.Property));

    /** The {@code InstallExecuteSequence} table. */
    public static final TableSchema INSTALL_EXECUTE_SEQUENCE = TableSchema.of("InstallExecuteSequence",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.string("Condition", 255).nullable().category(Category.Condition),
            Column.shortInt("Sequence").nullable().range(-4, 32767));

    /** The {@code InstallUISequence} table. */
    public static final TableSchema INSTALL_UI_SEQUENCE = TableSchema.of("InstallUISequence",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.string("Condition", 255).nullable().category(Category.Condition),
            Column.shortInt("Sequence").nullable().range(-4, 32767));

    /** The {@code AdminExecuteSequence} table. */
    public static final TableSchema ADMIN_EXECUTE_SEQUENCE = TableSchema.of("AdminExecuteSequence",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.string("Condition", 255).nullable().category(Category.Condition),
            Column.shortInt("Sequence").nullable().range(-4, 32767));

    /** The {@code AdminUISequence} table. */
    public static final TableSchema ADMIN_UI_SEQUENCE = TableSchema.of("AdminUISequence",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.string("Condition", 255).nullable().category(Category.Condition),
            Column.shortInt("Sequence").nullable().range(-4, 32767));

    /** The {@code AdvtExecuteSequence} table. */
    public static final TableSchema ADVT_EXECUTE_SEQUENCE = TableSchema.of("AdvtExecuteSequence",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.string("Condition", 255).nullable().category(Category.Condition),
            Column.shortInt("Sequence").nullable().range(-4, 32767));

    /** The {@code Upgrade} table. */
    public static final TableSchema UPGRADE = TableSchema.of("Upgrade",
            Column.string("UpgradeCode", 38).key().category(Category.Guid),
            Column.string("VersionMin", 20).key().nullable().category(Category.Text),
            Column.string("VersionMax", 20).key().nullable().category(Category.Text),
            Column.string("Language", 255).key().nullable().category(Category.Language),
            Column.longInt("Attributes").key().range(0, 2147483647),
            Column.string("Remove", 255).nullable().category(Category.Formatted),
            Column.string("ActionProperty", 72).category(Category.UpperCase));

    /** The {@code Registry} table. */
    public static final TableSchema REGISTRY = TableSchema.of("Registry",
            Column.string("Registry", 72).key().category(Category.Identifier),
            Column.shortInt("Root").range(-1, 3),
            Column.string("Key", 255).localizable().category(Category.RegPath),
            Column.string("Name", 255).nullable().localizable().category(Category.Formatted),
            Column.string("Value", 0).nullable().localizable().category(Category.Formatted),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code RemoveRegistry} table. */
    public static final TableSchema REMOVE_REGISTRY = TableSchema.of("RemoveRegistry",
            Column.string("RemoveRegistry", 72).key().category(Category.Identifier),
            Column.shortInt("Root").range(-1, 3),
            Column.string("Key", 255).localizable().category(Category.RegPath),
            Column.string("Name", 255).nullable().localizable().category(Category.Formatted),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code RemoveFile} table. */
    public static final TableSchema REMOVE_FILE = TableSchema.of("RemoveFile",
            Column.string("FileKey", 72).key().category(Category.Identifier),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("FileName", 255).nullable().localizable().category(Category.WildCardFilename),
            Column.string("DirProperty", 72).category(Category.Identifier),
            Column.shortInt("InstallMode").set("1;2;3"));

    /** The {@code CreateFolder} table. */
    public static final TableSchema CREATE_FOLDER = TableSchema.of("CreateFolder",
            Column.string("Directory_", 72).key().category(Category.Identifier).keyTable("Directory", 1),
            Column.string("Component_", 72).key().category(Category.Identifier).keyTable("Component", 1));

    /** The {@code Environment} table. */
    public static final TableSchema ENVIRONMENT = TableSchema.of("Environment",
            Column.string("Environment", 72).key().category(Category.Identifier),
            Column.string("Name", 255).localizable().category(Category.Text),
            Column.string("Value", 255).nullable().localizable().category(Category.Formatted),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code Shortcut} table. */
    public static final TableSchema SHORTCUT = TableSchema.of("Shortcut",
            Column.string("Shortcut", 72).key().category(Category.Identifier),
            Column.string("Directory_", 72).category(Category.Identifier).keyTable("Directory", 1),
            Column.string("Name", 128).localizable().category(Category.Filename),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("Target", 72).category(Category.Shortcut),
            Column.string("Arguments", 255).nullable().category(Category.Formatted),
            Column.string("Description", 255).nullable().localizable().category(Category.Text),
            Column.shortInt("Hotkey").nullable().range(0, 32767),
            Column.string("Icon_", 72).nullable().category(Category.Identifier).keyTable("Icon", 1),
            Column.shortInt("IconIndex").nullable().range(-32767, 32767),
            Column.shortInt("ShowCmd").nullable().set("1;3;7"),
            Column.string("WkDir", 72).nullable().category(Category.Identifier),
            Column.string("DisplayResourceDLL", 255).nullable().category(Category.Formatted),
            Column.shortInt("DisplayResourceId").nullable().range(0, 32767),
            Column.string("DescriptionResourceDLL", 255).nullable().category(Category.Formatted),
            Column.shortInt("DescriptionResourceId").nullable().range(0, 32767));

    /** The {@code Icon} table. */
    public static final TableSchema ICON = TableSchema.of("Icon",
            Column.string("Name", 72).key().category(Category.Identifier),
            Column.binary("Data"));

    /** The {@code Binary} table. */
    public static final TableSchema BINARY = TableSchema.of("Binary",
            Column.string("Name", 72).key().category(Category.Identifier),
            Column.binary("Data"));

    /** The {@code CustomAction} table. */
    public static final TableSchema CUSTOM_ACTION = TableSchema.of("CustomAction",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.shortInt("Type").range(1, 32767),
            Column.string("Source", 72).nullable().category(Category.CustomSource),
            Column.string("Target", 255).nullable().category(Category.Formatted),
            Column.longInt("ExtendedType").nullable().range(0, 2147483647));

    /** The {@code LaunchCondition} table. */
    public static final TableSchema LAUNCH_CONDITION = TableSchema.of("LaunchCondition",
            Column.string("Condition", 255).key().category(Category.Condition),
            Column.string("Description", 255).localizable().category(Category.Formatted));

    /** The {@code AppSearch} table. */
    public static final TableSchema APP_SEARCH = TableSchema.of("AppSearch",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.string("Signature_", 72).key().category(Category.Identifier).keyTable("Signature;RegLocator;IniLocator;DrLocator;CompLocator", 1));

    /** The {@code RegLocator} table. */
    public static final TableSchema REG_LOCATOR = TableSchema.of("RegLocator",
            Column.string("Signature_", 72).key().category(Category.Identifier),
            Column.shortInt("Root").range(0, 3),
            Column.string("Key", 255).category(Category.RegPath),
            Column.string("Name", 255).nullable().category(Category.Formatted),
            Column.shortInt("Type").nullable().range(0, 18));

    /** The {@code Signature} table. */
    public static final TableSchema SIGNATURE = TableSchema.of("Signature",
            Column.string("Signature", 72).key().category(Category.Identifier),
            Column.string("FileName", 255).category(Category.Text),
            Column.string("MinVersion", 20).nullable().category(Category.Text),
            Column.string("MaxVersion", 20).nullable().category(Category.Text),
            Column.longInt("MinSize").nullable().range(0, 2147483647),
            Column.longInt("MaxSize").nullable().range(0, 2147483647),
            Column.longInt("MinDate").nullable().range(0, 2147483647),
            Column.longInt("MaxDate").nullable().range(0, 2147483647),
            Column.string("Languages", 255).nullable().category(Category.Language));

    /** The {@code DrLocator} table. */
    public static final TableSchema DR_LOCATOR = TableSchema.of("DrLocator",
            Column.string("Signature_", 72).key().category(Category.Identifier),
            Column.string("Parent", 72).key().nullable().category(Category.Identifier),
            Column.string("Path", 255).key().nullable().category(Category.AnyPath),
            Column.shortInt("Depth").nullable().range(0, 32767));

    /** The {@code CompLocator} table. */
    public static final TableSchema COMP_LOCATOR = TableSchema.of("CompLocator",
            Column.string("Signature_", 72).key().category(Category.Identifier),
            Column.string("ComponentId", 38).category(Category.Guid),
            Column.shortInt("Type").nullable().range(0, 1));

    /** The {@code IniLocator} table. */
    public static final TableSchema INI_LOCATOR = TableSchema.of("IniLocator",
            Column.string("Signature_", 72).key().category(Category.Identifier),
            Column.string("FileName", 255).category(Category.Filename),
            Column.string("Section", 96).category(Category.Text),
            Column.string("Key", 128).category(Category.Text),
            Column.shortInt("Field").nullable().range(0, 32767),
            Column.shortInt("Type").nullable().range(0, 2));

    /** The {@code MsiFileHash} table. */
    public static final TableSchema MSI_FILE_HASH = TableSchema.of("MsiFileHash",
            Column.string("File_", 72).key().category(Category.Identifier).keyTable("File", 1),
            Column.shortInt("Options").range(0, 32767),
            Column.longInt("HashPart1"),
            Column.longInt("HashPart2"),
            Column.longInt("HashPart3"),
            Column.longInt("HashPart4"));

    /** The {@code Condition} table. */
    public static final TableSchema CONDITION = TableSchema.of("Condition",
            Column.string("Feature_", 38).key().category(Category.Identifier).keyTable("Feature", 1),
            Column.shortInt("Level").key().range(0, 32767),
            Column.string("Condition", 255).nullable().category(Category.Condition));

    /** The {@code Dialog} table. */
    public static final TableSchema DIALOG = TableSchema.of("Dialog",
            Column.string("Dialog", 72).key().category(Category.Identifier),
            Column.shortInt("HCentering").range(0, 100),
            Column.shortInt("VCentering").range(0, 100),
            Column.shortInt("Width").range(0, 32767),
            Column.shortInt("Height").range(0, 32767),
            Column.longInt("Attributes").nullable().range(0, 2147483647),
            Column.string("Title", 128).nullable().localizable().category(Category.Formatted),
            Column.string("Control_First", 50).category(Category.Identifier).keyTable("Control", 2),
            Column.string("Control_Default", 50).nullable().category(Category.Identifier).keyTable("Control", 2),
            Column.string("Control_Cancel", 50).nullable().category(Category.Identifier).keyTable("Control", 2));

    /** The {@code Control} table. */
    public static final TableSchema CONTROL = TableSchema.of("Control",
            Column.string("Dialog_", 72).key().category(Category.Identifier).keyTable("Dialog", 1),
            Column.string("Control", 50).key().category(Category.Identifier),
            Column.string("Type", 20).category(Category.Identifier),
            Column.shortInt("X").range(0, 32767),
            Column.shortInt("Y").range(0, 32767),
            Column.shortInt("Width").range(0, 32767),
            Column.shortInt("Height").range(0, 32767),
            Column.longInt("Attributes").nullable().range(0, 2147483647),
            Column.string("Property", 72).nullable().category(Category.Identifier),
            Column.string("Text", 0).nullable().localizable().category(Category.Formatted),
            Column.string("Control_Next", 50).nullable().category(Category.Identifier).keyTable("Control", 2),
            Column.string("Help", 50).nullable().localizable().category(Category.Text));

    /** The {@code ControlEvent} table. */
    public static final TableSchema CONTROL_EVENT = TableSchema.of("ControlEvent",
            Column.string("Dialog_", 72).key().category(Category.Identifier).keyTable("Dialog", 1),
            Column.string("Control_", 50).key().category(Category.Identifier).keyTable("Control", 2),
            Column.string("Event", 50).key().category(Category.Formatted),
            Column.string("Argument", 255).key().category(Category.Formatted),
            Column.string("Condition", 255).key().nullable().category(Category.Condition),
            Column.shortInt("Ordering").nullable().range(0, 32767));

    /** The {@code ControlCondition} table. */
    public static final TableSchema CONTROL_CONDITION = TableSchema.of("ControlCondition",
            Column.string("Dialog_", 72).key().category(Category.Identifier).keyTable("Dialog", 1),
            Column.string("Control_", 50).key().category(Category.Identifier).keyTable("Control", 2),
            Column.string("Action", 50).key().set("Default;Disable;Enable;Hide;Show"),
            Column.string("Condition", 255).key().category(Category.Condition));

    /** The {@code EventMapping} table. */
    public static final TableSchema EVENT_MAPPING = TableSchema.of("EventMapping",
            Column.string("Dialog_", 72).key().category(Category.Identifier).keyTable("Dialog", 1),
            Column.string("Control_", 50).key().category(Category.Identifier).keyTable("Control", 2),
            Column.string("Event", 50).key().category(Category.Identifier),
            Column.string("Attribute", 50).category(Category.Identifier));

    /** The {@code TextStyle} table. */
    public static final TableSchema TEXT_STYLE = TableSchema.of("TextStyle",
            Column.string("TextStyle", 72).key().category(Category.Identifier),
            Column.string("FaceName", 32).category(Category.Text),
            Column.shortInt("Size").range(0, 32767),
            Column.longInt("Color").nullable().range(0, 16777215),
            Column.shortInt("StyleBits").nullable().range(0, 15));

    /** The {@code UIText} table. */
    public static final TableSchema UI_TEXT = TableSchema.of("UIText",
            Column.string("Key", 72).key().category(Category.Identifier),
            Column.string("Text", 255).nullable().localizable().category(Category.Text));

    /** The {@code RadioButton} table. */
    public static final TableSchema RADIO_BUTTON = TableSchema.of("RadioButton",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.shortInt("Order").key().range(1, 32767),
            Column.string("Value", 64).category(Category.Formatted),
            Column.shortInt("X").range(0, 32767),
            Column.shortInt("Y").range(0, 32767),
            Column.shortInt("Width").range(0, 32767),
            Column.shortInt("Height").range(0, 32767),
            Column.string("Text", 0).nullable().localizable().category(Category.Text),
            Column.string("Help", 50).nullable().localizable().category(Category.Text));

    /** The {@code ListBox} table. */
    public static final TableSchema LIST_BOX = TableSchema.of("ListBox",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.shortInt("Order").key().range(1, 32767),
            Column.string("Value", 64).category(Category.Formatted),
            Column.string("Text", 64).nullable().localizable().category(Category.Text));

    /** The {@code ListView} table. */
    public static final TableSchema LIST_VIEW = TableSchema.of("ListView",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.shortInt("Order").key().range(1, 32767),
            Column.string("Value", 64).category(Category.Formatted),
            Column.string("Text", 64).nullable().localizable().category(Category.Formatted),
            Column.string("Binary_", 72).nullable().category(Category.Identifier).keyTable("Binary", 1));

    /** The {@code ComboBox} table. */
    public static final TableSchema COMBO_BOX = TableSchema.of("ComboBox",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.shortInt("Order").key().range(1, 32767),
            Column.string("Value", 64).category(Category.Formatted),
            Column.string("Text", 64).nullable().localizable().category(Category.Formatted));

    /** The {@code CheckBox} table. */
    public static final TableSchema CHECK_BOX = TableSchema.of("CheckBox",
            Column.string("Property", 72).key().category(Category.Identifier),
            Column.string("Value", 64).nullable().category(Category.Formatted));

    /** The {@code Billboard} table. */
    public static final TableSchema BILLBOARD = TableSchema.of("Billboard",
            Column.string("Billboard", 50).key().category(Category.Identifier),
            Column.string("Feature_", 38).category(Category.Identifier).keyTable("Feature", 1),
            Column.string("Action", 50).nullable().category(Category.Identifier),
            Column.shortInt("Ordering").nullable().range(0, 32767));

    /** The {@code BBControl} table. */
    public static final TableSchema BB_CONTROL = TableSchema.of("BBControl",
            Column.string("Billboard_", 50).key().category(Category.Identifier).keyTable("Billboard", 1),
            Column.string("BBControl", 50).key().category(Category.Identifier),
            Column.string("Type", 50).category(Category.Identifier),
            Column.shortInt("X").range(0, 32767),
            Column.shortInt("Y").range(0, 32767),
            Column.shortInt("Width").range(0, 32767),
            Column.shortInt("Height").range(0, 32767),
            Column.longInt("Attributes").nullable().range(0, 2147483647),
            Column.string("Text", 50).nullable().localizable().category(Category.Text));

    /** The {@code ActionText} table. */
    public static final TableSchema ACTION_TEXT = TableSchema.of("ActionText",
            Column.string("Action", 72).key().category(Category.Identifier),
            Column.string("Description", 0).nullable().localizable().category(Category.Text),
            Column.string("Template", 0).nullable().localizable().category(Category.Template));

    /** The {@code Error} table. */
    public static final TableSchema ERROR = TableSchema.of("Error",
            Column.shortInt("Error").key().range(0, 32767),
            Column.string("Message", 0).nullable().localizable().category(Category.Template));

    /** The {@code ServiceInstall} table. */
    public static final TableSchema SERVICE_INSTALL = TableSchema.of("ServiceInstall",
            Column.string("ServiceInstall", 72).key().category(Category.Identifier),
            Column.string("Name", 255).category(Category.Formatted),
            Column.string("DisplayName", 255).nullable().localizable().category(Category.Formatted),
            Column.longInt("ServiceType").range(-2147483647, 2147483647),
            Column.longInt("StartType").range(0, 4),
            Column.longInt("ErrorControl").range(-2147483647, 2147483647),
            Column.string("LoadOrderGroup", 255).nullable().category(Category.Formatted),
            Column.string("Dependencies", 255).nullable().category(Category.Formatted),
            Column.string("StartName", 255).nullable().category(Category.Formatted),
            Column.string("Password", 255).nullable().category(Category.Formatted),
            Column.string("Arguments", 255).nullable().category(Category.Formatted),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("Description", 255).nullable().localizable().category(Category.Text));

    /** The {@code ServiceControl} table. */
    public static final TableSchema SERVICE_CONTROL = TableSchema.of("ServiceControl",
            Column.string("ServiceControl", 72).key().category(Category.Identifier),
            Column.string("Name", 255).localizable().category(Category.Formatted),
            Column.shortInt("Event").range(0, 187),
            Column.string("Arguments", 255).nullable().localizable().category(Category.Formatted),
            Column.shortInt("Wait").nullable().range(0, 1),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code MsiServiceConfig} table. */
    public static final TableSchema MSI_SERVICE_CONFIG = TableSchema.of("MsiServiceConfig",
            Column.string("MsiServiceConfig", 72).key().category(Category.Identifier),
            Column.string("Name", 255).localizable().category(Category.Formatted),
            Column.shortInt("Event").range(0, 7),
            Column.longInt("ConfigType").range(-2147483647, 2147483647),
            Column.string("Argument", 0).nullable().category(Category.Text),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code MsiServiceConfigFailureActions} table. */
    public static final TableSchema MSI_SERVICE_CONFIG_FAILURE_ACTIONS = TableSchema.of("MsiServiceConfigFailureActions",
            Column.string("MsiServiceConfigFailureActions", 72).key().category(Category.Identifier),
            Column.string("Name", 255).localizable().category(Category.Formatted),
            Column.shortInt("Event").range(0, 7),
            Column.longInt("ResetPeriod").nullable().range(0, 2147483647),
            Column.string("RebootMessage", 255).nullable().localizable().category(Category.Formatted),
            Column.string("Command", 255).nullable().localizable().category(Category.Formatted),
            Column.string("Actions", 0).nullable().category(Category.Text),
            Column.string("DelayActions", 0).nullable().category(Category.Text),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code MsiLockPermissionsEx} table. */
    public static final TableSchema MSI_LOCK_PERMISSIONS_EX = TableSchema.of("MsiLockPermissionsEx",
            Column.string("MsiLockPermissionsEx", 72).key().category(Category.Identifier),
            Column.string("LockObject", 72).category(Category.Identifier),
            Column.string("Table", 32).category(Category.Identifier).set("CreateFolder;File;Registry;ServiceInstall"),
            Column.string("SDDLText", 0).category(Category.FormattedSDDLText),
            Column.string("Condition", 255).nullable().category(Category.Formatted));

    /** The {@code LockPermissions} table. */
    public static final TableSchema LOCK_PERMISSIONS = TableSchema.of("LockPermissions",
            Column.string("LockObject", 72).key().category(Category.Identifier),
            Column.string("Table", 32).key().category(Category.Identifier).set("Directory;File;Registry"),
            Column.string("Domain", 255).key().nullable().category(Category.Formatted),
            Column.string("User", 255).key().category(Category.Formatted),
            Column.longInt("Permission").nullable().range(-2147483647, 2147483647));

    /** The {@code MsiShortcutProperty} table. */
    public static final TableSchema MSI_SHORTCUT_PROPERTY = TableSchema.of("MsiShortcutProperty",
            Column.string("MsiShortcutProperty", 72).key().category(Category.Identifier),
            Column.string("Shortcut_", 72).category(Category.Identifier).keyTable("Shortcut", 1),
            Column.string("PropertyKey", 0).category(Category.Formatted),
            Column.string("PropVariantValue", 0).category(Category.Formatted));

    /** The {@code DuplicateFile} table. */
    public static final TableSchema DUPLICATE_FILE = TableSchema.of("DuplicateFile",
            Column.string("FileKey", 72).key().category(Category.Identifier),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("File_", 72).category(Category.Identifier).keyTable("File", 1),
            Column.string("DestName", 255).nullable().localizable().category(Category.Filename),
            Column.string("DestFolder", 72).nullable().category(Category.Identifier));

    /** The {@code MoveFile} table. */
    public static final TableSchema MOVE_FILE = TableSchema.of("MoveFile",
            Column.string("FileKey", 72).key().category(Category.Identifier),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("SourceName", 255).nullable().localizable().category(Category.Text),
            Column.string("DestName", 255).nullable().localizable().category(Category.Filename),
            Column.string("SourceFolder", 72).nullable().category(Category.Identifier),
            Column.string("DestFolder", 72).category(Category.Identifier),
            Column.shortInt("Options").range(0, 1));

    /** The {@code IniFile} table. */
    public static final TableSchema INI_FILE = TableSchema.of("IniFile",
            Column.string("IniFile", 72).key().category(Category.Identifier),
            Column.string("FileName", 255).localizable().category(Category.Filename),
            Column.string("DirProperty", 72).nullable().category(Category.Identifier),
            Column.string("Section", 96).localizable().category(Category.Formatted),
            Column.string("Key", 128).localizable().category(Category.Formatted),
            Column.string("Value", 255).localizable().category(Category.Formatted),
            Column.shortInt("Action").set("0;1;3"),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code RemoveIniFile} table. */
    public static final TableSchema REMOVE_INI_FILE = TableSchema.of("RemoveIniFile",
            Column.string("RemoveIniFile", 72).key().category(Category.Identifier),
            Column.string("FileName", 255).localizable().category(Category.Filename),
            Column.string("DirProperty", 72).nullable().category(Category.Identifier),
            Column.string("Section", 96).localizable().category(Category.Formatted),
            Column.string("Key", 128).localizable().category(Category.Formatted),
            Column.string("Value", 255).nullable().localizable().category(Category.Formatted),
            Column.shortInt("Action").set("2;4"),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1));

    /** The {@code ReserveCost} table. */
    public static final TableSchema RESERVE_COST = TableSchema.of("ReserveCost",
            Column.string("ReserveKey", 72).key().category(Category.Identifier),
            Column.string("Component_", 72).category(Category.Identifier).keyTable("Component", 1),
            Column.string("ReserveFolder", 72).nullable().category(Category.Identifier),
            Column.longInt("ReserveLocal").range(0, 2147483647),
            Column.longInt("ReserveSource").range(0, 2147483647));

    /** The {@code SelfReg} table. */
    public static final TableSchema SELF_REG = TableSchema.of("SelfReg",
            Column.string("File_", 72).key().category(Category.Identifier).keyTable("File", 1),
            Column.shortInt("Cost").nullable().range(0, 32767));

    /** The {@code Font} table. */
    public static final TableSchema FONT = TableSchema.of("Font",
            Column.string("File_", 72).key().category(Category.Identifier).keyTable("File", 1),
            Column.string("FontTitle", 128).nullable().category(Category.Text));

    /** The {@code Extension} table. */
    public static final TableSchema EXTENSION = TableSchema.of("Extension",
            Column.string("Extension", 255).key().category(Category.Text),
            Column.string("Component_", 72).key().category(Category.Identifier).keyTable("Component", 1),
            Column.string("ProgId_", 255).nullable().category(Category.Text).keyTable("ProgId", 1),
            Column.string("MIME_", 64).nullable().category(Category.Text).keyTable("MIME", 1),
            Column.string("Feature_", 38).category(Category.Identifier).keyTable("Feature", 1));

    /** The {@code Verb} table. */
    public static final TableSchema VERB = TableSchema.of("Verb",
            Column.string("Extension_", 255).key().category(Category.Text).keyTable("Extension", 1),
            Column.string("Verb", 32).key().category(Category.Text),
            Column.shortInt("Sequence").nullable().range(0, 32767),
            Column.string("Command", 255).nullable().localizable().category(Category.Formatted),
            Column.string("Argument", 255).nullable().localizable().category(Category.Formatted));

    /** The {@code ProgId} table. */
    public static final TableSchema PROG_ID = TableSchema.of("ProgId",
            Column.string("ProgId", 255).key().category(Category.Text),
            Column.string("ProgId_Parent", 255).nullable().category(Category.Text).keyTable("ProgId", 1),
            Column.string("Class_", 38).nullable().category(Category.Guid).keyTable("Class", 1),
            Column.string("Description", 255).nullable().localizable().category(Category.Text),
            Column.string("Icon_", 72).nullable().category(Category.Identifier).keyTable("Icon", 1),
            Column.shortInt("IconIndex").nullable().range(-32767, 32767));

    /** The {@code MIME} table. */
    public static final TableSchema MIME = TableSchema.of("MIME",
            Column.string("ContentType", 64).key().category(Category.Text),
            Column.string("Extension_", 255).category(Category.Text).keyTable("Extension", 1),
            Column.string("CLSID", 38).nullable().category(Category.Guid));

    /** The {@code Class} table. */
    public static final TableSchema CLASS = TableSchema.of("Class",
            Column.string("CLSID", 38).key().category(Category.Guid),
            Column.string("Context", 32).key().category(Category.Identifier),
            Column.string("Component_", 72).key().category(Category.Identifier).keyTable("Component", 1),
            Column.string("ProgId_Default", 255).nullable().category(Category.Text).keyTable("ProgId", 1),
            Column.string("Description", 255).nullable().localizable().category(Category.Text),
            Column.string("AppId_", 38).nullable().category(Category.Guid).keyTable("AppId", 1),
            Column.string("FileTypeMask", 255).nullable().category(Category.Text),
            Column.string("Icon_", 72).nullable().category(Category.Identifier).keyTable("Icon", 1),
            Column.shortInt("IconIndex").nullable().range(-32767, 32767),
            Column.string("DefInprocHandler", 32).nullable().category(Category.Filename).set("1;2;3"),
            Column.string("Argument", 255).nullable().category(Category.Formatted),
            Column.string("Feature_", 38).category(Category.Identifier).keyTable("Feature", 1),
            Column.shortInt("Attributes").nullable());

    /** The {@code AppId} table. */
    public static final TableSchema APP_ID = TableSchema.of("AppId",
            Column.string("AppId", 38).key().category(Category.Guid),
            Column.string("RemoteServerName", 255).nullable().category(Category.Formatted),
            Column.string("LocalService", 255).nullable().category(Category.Text),
            Column.string("ServiceParameters", 255).nullable().category(Category.Text),
            Column.string("DllSurrogate", 255).nullable().category(Category.Text),
            Column.shortInt("ActivateAtStorage").nullable().range(0, 1),
            Column.shortInt("RunAsInteractiveUser").nullable().range(0, 1));

    /** The {@code TypeLib} table. */
    public static final TableSchema TYPE_LIB = TableSchema.of("TypeLib",
            Column.string("LibID", 38).key().category(Category.Guid),
            Column.shortInt("Language").key().range(0, 32767),
            Column.string("Component_", 72).key().category(Category.Identifier).keyTable("Component", 1),
            Column.longInt("Version").nullable().range(0, 16777215),
            Column.string("Description", 128).nullable().localizable().category(Category.Text),
            Column.string("Directory_", 72).nullable().category(Category.Identifier).keyTable("Directory", 1),
            Column.string("Feature_", 38).category(Category.Identifier).keyTable("Feature", 1),
            Column.longInt("Cost").nullable().range(0, 2147483647));

    /** The {@code PublishComponent} table. */
    public static final TableSchema PUBLISH_COMPONENT = TableSchema.of("PublishComponent",
            Column.string("ComponentId", 38).key().category(Category.Guid),
            Column.string("Qualifier", 255).key().category(Category.Text),
            Column.string("Component_", 72).key().category(Category.Identifier).keyTable("Component", 1),
            Column.string("AppData", 0).nullable().localizable().category(Category.Text),
            Column.string("Feature_", 38).category(Category.Identifier).keyTable("Feature", 1));

    /** The {@code IsolatedComponent} table. */
    public static final TableSchema ISOLATED_COMPONENT = TableSchema.of("IsolatedComponent",
            Column.string("Component_Shared", 72).key().category(Category.Identifier).keyTable("Component", 1),
            Column.string("Component_Application", 72).key().category(Category.Identifier).keyTable("Component", 1));

    /** The {@code BindImage} table. */
    public static final TableSchema BIND_IMAGE = TableSchema.of("BindImage",
            Column.string("File_", 72).key().category(Category.Identifier).keyTable("File", 1),
            Column.string("Path", 255).nullable().category(Category.Paths));

    private static final List<TableSchema> ALL = List.of(
            VALIDATION, PROPERTY, DIRECTORY, COMPONENT, FILE, FEATURE, FEATURE_COMPONENTS, MEDIA,
            INSTALL_EXECUTE_SEQUENCE, INSTALL_UI_SEQUENCE, ADMIN_EXECUTE_SEQUENCE, ADMIN_UI_SEQUENCE,
            ADVT_EXECUTE_SEQUENCE, UPGRADE, REGISTRY, REMOVE_REGISTRY, REMOVE_FILE, CREATE_FOLDER, ENVIRONMENT,
            SHORTCUT, ICON, BINARY, CUSTOM_ACTION, LAUNCH_CONDITION, APP_SEARCH, REG_LOCATOR, SIGNATURE,
            DR_LOCATOR, COMP_LOCATOR, INI_LOCATOR, MSI_FILE_HASH, CONDITION, DIALOG, CONTROL, CONTROL_EVENT,
            CONTROL_CONDITION, EVENT_MAPPING, TEXT_STYLE, UI_TEXT, RADIO_BUTTON, LIST_BOX, LIST_VIEW,
            COMBO_BOX, CHECK_BOX, BILLBOARD, BB_CONTROL, ACTION_TEXT, ERROR, SERVICE_INSTALL, SERVICE_CONTROL,
            MSI_SERVICE_CONFIG, MSI_SERVICE_CONFIG_FAILURE_ACTIONS, MSI_LOCK_PERMISSIONS_EX, LOCK_PERMISSIONS,
            MSI_SHORTCUT_PROPERTY, DUPLICATE_FILE, MOVE_FILE, INI_FILE, REMOVE_INI_FILE, RESERVE_COST,
            SELF_REG, FONT, EXTENSION, VERB, PROG_ID, MIME, CLASS, APP_ID, TYPE_LIB, PUBLISH_COMPONENT,
            ISOLATED_COMPONENT, BIND_IMAGE);

    /** Every table defined here, by name. */
    public static List<TableSchema> all() {
        return ALL;
    }

    /** The standard table of that name, if defined here. */
    public static Optional<TableSchema> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
