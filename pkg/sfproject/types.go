package sfproject

import "strings"

// layout says how a metadata type is laid out in source format.
type layout int

const (
	// single: <folder>/<Name>.<suffix>-meta.xml, with an optional content
	// file <Name>.<suffix> (ApexClass: classes/Foo.cls + Foo.cls-meta.xml).
	single layout = iota
	// child: objects/<Object>/<folder>/<Name>.<suffix>-meta.xml, full name
	// "Object.Name".
	child
	// bundle: a directory <folder>/<Name>/ (LWC, Aura).
	bundle
	// foldered: <folder>/<Folder>/<Name>.<suffix>-meta.xml with full name
	// "Folder/Name"; the folder itself is <Folder>.<folderSuffix>-meta.xml.
	foldered
)

// typeInfo describes one metadata type's source layout.
type typeInfo struct {
	name         string
	folder       string
	suffix       string
	layout       layout
	content      bool   // the main file is <Name>.<suffix>, not the -meta.xml
	folderSuffix string // foldered types only
}

// knownTypes are the types whose source layout the index understands. The
// suffixes are those of the sf CLI's metadata registry (source-deploy-retrieve).
var knownTypes = []typeInfo{
	{name: "ApexClass", folder: "classes", suffix: "cls", content: true},
	{name: "ApexTrigger", folder: "triggers", suffix: "trigger", content: true},
	{name: "ApexPage", folder: "pages", suffix: "page", content: true},
	{name: "ApexComponent", folder: "components", suffix: "component", content: true},
	{name: "CustomObject", folder: "objects", suffix: "object"},
	{name: "CustomField", folder: "fields", suffix: "field", layout: child},
	{name: "ValidationRule", folder: "validationRules", suffix: "validationRule", layout: child},
	{name: "RecordType", folder: "recordTypes", suffix: "recordType", layout: child},
	{name: "ListView", folder: "listViews", suffix: "listView", layout: child},
	{name: "CompactLayout", folder: "compactLayouts", suffix: "compactLayout", layout: child},
	{name: "WebLink", folder: "webLinks", suffix: "webLink", layout: child},
	{name: "FieldSet", folder: "fieldSets", suffix: "fieldSet", layout: child},
	{name: "BusinessProcess", folder: "businessProcesses", suffix: "businessProcess", layout: child},
	{name: "Index", folder: "indexes", suffix: "index", layout: child},
	{name: "Layout", folder: "layouts", suffix: "layout"},
	{name: "Flow", folder: "flows", suffix: "flow"},
	{name: "LightningComponentBundle", folder: "lwc", layout: bundle},
	{name: "AuraDefinitionBundle", folder: "aura", layout: bundle},
	{name: "PermissionSet", folder: "permissionsets", suffix: "permissionset"},
	{name: "PermissionSetGroup", folder: "permissionsetgroups", suffix: "permissionsetgroup"},
	{name: "CustomMetadata", folder: "customMetadata", suffix: "md"},
	{name: "StaticResource", folder: "staticresources", suffix: "resource"},
	{name: "CustomTab", folder: "tabs", suffix: "tab"},
	{name: "CustomLabels", folder: "labels", suffix: "labels"},
	{name: "Profile", folder: "profiles", suffix: "profile"},
	{name: "Queue", folder: "queues", suffix: "queue"},
	{name: "Group", folder: "groups", suffix: "group"},
	{name: "Role", folder: "roles", suffix: "role"},
	{name: "CustomApplication", folder: "applications", suffix: "app"},
	{name: "FlexiPage", folder: "flexipages", suffix: "flexipage"},
	{name: "QuickAction", folder: "quickActions", suffix: "quickAction"},
	{name: "GlobalValueSet", folder: "globalValueSets", suffix: "globalValueSet"},
	{name: "StandardValueSet", folder: "standardValueSets", suffix: "standardValueSet"},
	{name: "CustomPermission", folder: "customPermissions", suffix: "customPermission"},
	{name: "RemoteSiteSetting", folder: "remoteSiteSettings", suffix: "remoteSite"},
	{name: "NamedCredential", folder: "namedCredentials", suffix: "namedCredential"},
	{name: "ReportType", folder: "reportTypes", suffix: "reportType"},
	{name: "Workflow", folder: "workflows", suffix: "workflow"},
	{name: "SharingRules", folder: "sharingRules", suffix: "sharingRules"},
	{name: "AssignmentRules", folder: "assignmentRules", suffix: "assignmentRules"},
	{name: "EmailTemplate", folder: "email", suffix: "email", layout: foldered, content: true, folderSuffix: "emailFolder"},
	{name: "Report", folder: "reports", suffix: "report", layout: foldered, folderSuffix: "reportFolder"},
	{name: "Dashboard", folder: "dashboards", suffix: "dashboard", layout: foldered, folderSuffix: "dashboardFolder"},
	{name: "Document", folder: "documents", suffix: "document", layout: foldered, folderSuffix: "documentFolder"},
}

var (
	typesByName   = map[string]*typeInfo{} // lower-case type name
	typesBySuffix = map[string]*typeInfo{} // lower-case suffix (and folder suffix)
	typesByBundle = map[string]*typeInfo{} // lower-case bundle folder
)

func init() {
	for i := range knownTypes {
		t := &knownTypes[i]
		typesByName[strings.ToLower(t.name)] = t
		switch {
		case t.layout == bundle:
			typesByBundle[strings.ToLower(t.folder)] = t
		default:
			typesBySuffix[strings.ToLower(t.suffix)] = t
		}
		if t.folderSuffix != "" {
			typesBySuffix[strings.ToLower(t.folderSuffix)] = t
		}
	}
}

// KnownType reports whether the index understands the source layout of a
// metadata type; Has answers true for every member of other types.
func KnownType(typ string) bool {
	_, ok := typesByName[strings.ToLower(typ)]
	return ok
}

// ExpectedPath is where sf expects a member's source, relative to a package
// directory's type folders: "classes/Foo.cls" for ApexClass Foo. It is empty
// for unknown types.
func ExpectedPath(m Member) string {
	t, ok := typesByName[strings.ToLower(m.Type)]
	if !ok {
		return ""
	}
	switch t.layout {
	case bundle:
		return t.folder + "/" + m.Name + "/"
	case child:
		obj, name, ok := strings.Cut(m.Name, ".")
		if !ok {
			return "objects/<Object>/" + t.folder + "/" + m.Name + "." + t.suffix + "-meta.xml"
		}
		return "objects/" + obj + "/" + t.folder + "/" + name + "." + t.suffix + "-meta.xml"
	case foldered:
		if !strings.Contains(m.Name, "/") {
			return t.folder + "/" + m.Name + "." + t.folderSuffix + "-meta.xml"
		}
	}
	if t.name == "CustomObject" {
		return "objects/" + m.Name + "/" + m.Name + ".object-meta.xml"
	}
	if t.content {
		return t.folder + "/" + m.Name + "." + t.suffix
	}
	return t.folder + "/" + m.Name + "." + t.suffix + "-meta.xml"
}
