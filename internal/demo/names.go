package demo

// The name lists of the demo regency. Bangka's people are mostly Malay, with
// a large Chinese-Indonesian (mostly Hakka) community and Javanese families
// in the transmigration villages. Names are common ones; any likeness to a
// real person is chance.

// Malay and general Indonesian Muslim names, split by generation: a man
// born in 1950 is seldom a Rizky.
var (
	malayMaleOld = []string{
		"Ahmad", "Abdul", "Muhammad", "Rahmat", "Hasan", "Ismail", "Jamaludin", "Mahmud",
		"Usman", "Yusuf", "Zainal", "Hamdan", "Marzuki", "Nurdin", "Rusli", "Sudirman",
		"Syamsul", "Zulkifli", "Amran", "Azhar", "Herman", "Iskandar", "Salim", "Idris",
		"Samsudin", "Bahtiar", "Harun", "Junaidi", "Ramli", "Sulaiman", "Ibrahim", "Kamaruddin",
	}
	malayMaleYoung = []string{
		"Ahmad", "Muhammad", "Rahmat", "Hendra", "Budi", "Agus", "Dedi", "Firman",
		"Rudi", "Syahrial", "Taufik", "Wahyu", "Arif", "Darmawan", "Fauzan", "Irwan",
		"Khairul", "Rizal", "Saiful", "Sofyan", "Helmi", "Fadli", "Rian", "Dimas",
		"Reza", "Fikri", "Alif", "Rafi", "Ilham", "Rizky", "Fajar", "Farhan",
		"Aditya", "Bagas", "Raka", "Daffa", "Arya", "Yoga", "Andika", "Hafiz",
	}
	malayMaleLast = []string{
		"Fauzi", "Hidayat", "Saputra", "Ramadhan", "Pratama", "Setiawan", "Syahputra", "Hakim",
		"Maulana", "Firmansyah", "Kurniawan", "Hamzah", "Rahman", "Hasanudin", "Arifin", "Effendi",
		"Iskandar", "Putra", "Sulaiman", "Yahya", "Zakaria", "Anwar", "Baharuddin", "Darwis",
		"Idris", "Marwan", "Rasyid", "Ilyas", "Mansyur", "Nasir", "Fadillah", "Akbar",
	}
	malayFemaleOld = []string{
		"Siti", "Nur", "Aminah", "Fatimah", "Halimah", "Khadijah", "Maryam", "Rohani",
		"Salmah", "Zubaidah", "Hasnah", "Jamilah", "Rosmawati", "Nurhayati", "Suryani", "Yusnidar",
		"Asmah", "Rukiah", "Maimunah", "Rosidah", "Habibah", "Zainab", "Saodah", "Mariana",
	}
	malayFemaleYoung = []string{
		"Siti", "Nur", "Dewi", "Rina", "Yanti", "Putri", "Nabila", "Aisyah",
		"Zahra", "Anisa", "Dinda", "Salsabila", "Aulia", "Intan", "Rahma", "Fitri",
		"Indah", "Nadia", "Alya", "Syifa", "Nayla", "Rini", "Mega", "Novita",
		"Desi", "Wulan", "Ayu", "Yuliani", "Sarah", "Khairunnisa",
	}
	malayFemaleLast = []string{
		"Aminah", "Rahmawati", "Hidayah", "Wulandari", "Lestari", "Handayani", "Susanti", "Kartika",
		"Ramadhani", "Maharani", "Permata", "Sari", "Anggraini", "Fitriani", "Safitri", "Nurjanah",
		"Zahra", "Puspita", "Marlina", "Yuliana", "Hasanah", "Rosita", "Ningsih", "Febriani",
	}
)

// Javanese names, for the transmigration villages and families who moved to
// the tin mines.
var (
	javaMale = []string{
		"Slamet", "Suparman", "Sugiyono", "Joko", "Bambang", "Sutrisno", "Wagiman", "Suyono",
		"Sumarno", "Teguh", "Heru", "Eko", "Bagus", "Ari", "Supriyadi", "Tukiman",
		"Wahyudi", "Sugeng", "Didik", "Yudi",
	}
	javaMaleLast = []string{
		"Santoso", "Prasetyo", "Susilo", "Widodo", "Wibowo", "Purnomo", "Raharjo", "Nugroho",
		"Setiyadi", "Kuncoro", "Wicaksono", "Hariyanto",
	}
	javaFemale = []string{
		"Sri", "Sumiati", "Suparmi", "Tumini", "Wartini", "Endang", "Ratna", "Sulastri",
		"Ngatini", "Rini", "Tri", "Dwi", "Yuni", "Siti", "Sumarni", "Partini",
	}
	javaFemaleLast = []string{
		"Wahyuni", "Lestari", "Rahayu", "Handayani", "Astuti", "Utami", "Mulyani", "Purwanti",
		"Suprapti", "Rahmawati", "Kusumawati", "Setyowati",
	}
)

// A Chinese-Indonesian family keeps its clan name (Lim, Bong, Tjhin) and
// often an Indonesian family name built on it (Halim, Budiman, Tjahjadi).
type clan struct{ name, indonesian string }

var clans = []clan{
	{"Lim", "Halim"}, {"Tan", "Tanoto"}, {"Lie", "Gunawan"}, {"Chong", "Candra"},
	{"Bong", "Budiman"}, {"Phang", "Pangestu"}, {"Liu", "Lukito"}, {"Tjhin", "Tjahjadi"},
	{"Wong", "Wijaya"}, {"Ng", "Gunadi"}, {"Yap", "Yaputra"}, {"Kho", "Kosasih"},
	{"Fung", "Hartono"}, {"Tjong", "Sutjiono"}, {"Liem", "Salim"}, {"Thjie", "Setiadi"},
	{"Sin", "Susanto"}, {"Jap", "Japarto"},
}

// Chinese given names as Bangka's Hakka families write them (older
// generation), and the Indonesian or Christian given names of the younger.
var (
	chineseMaleGiven = []string{
		"Ah Kiong", "Fuk Min", "Kim Liong", "Ket Fo", "Sun Fat", "Jun Khiong", "Nyuk Fo", "Bun Kiat",
		"Siong Fat", "Tjhoi Fat", "A Sin", "Fo Lin", "Kiun Fat", "Mi Tjong", "Khiun Liong", "Tet Fui",
	}
	chineseFemaleGiven = []string{
		"Sui Lan", "Mei Lin", "Kim Fa", "Nyuk Lan", "Fui Lin", "Siu Mui", "Lan Fong", "Ah Moi",
		"Sui Fa", "Kiu Lin", "Nyuk Fa", "Fung Lian", "Tjhun Moi", "Lie Fa",
	}
	indoChineseMale = []string{
		"Susanto", "Hendra", "Budi", "Yohanes", "Fransiskus", "Andreas", "Rudi", "Johan",
		"Sugianto", "Hartanto", "Kevin", "Steven", "Jonathan", "Vincent", "Michael", "Felix",
		"Albert", "Edwin", "Ricky", "Darwin", "Antonius", "Yosef", "Hendrik", "Wiliam",
	}
	indoChineseFemale = []string{
		"Fransiska", "Maria", "Lina", "Lily", "Yuliana", "Meliana", "Susi", "Veronika",
		"Herlina", "Lisa", "Melinda", "Jessica", "Stephanie", "Angelina", "Cindy", "Natalia",
		"Fenny", "Shinta", "Vivian", "Monica", "Agnes", "Theresia",
	}
)

// Streets for addresses: national heroes, Bangka's own (Depati Amir and
// Depati Bahrin fought the Dutch), flowers and the everyday.
var streets = []string{
	"Merdeka", "Jenderal Sudirman", "Ahmad Yani", "Diponegoro", "Depati Amir", "Depati Bahrin",
	"Pramuka", "Lintas Timur", "Raya Koba", "Kenanga", "Melati", "Mawar", "Masjid", "Pasar",
	"Sekolah", "Kampung Baru", "Padat Karya", "Pelabuhan", "Batin Tikal", "Sungai Selan",
	"Teratai", "Cempaka", "Pahlawan 12", "Gajah Mada", "Hang Tuah", "Veteran", "Air Mesu",
	"Bukit Kijang", "Perumnas", "Tanjung Berikat",
}

// Places of birth outside the province, for the few born elsewhere.
var farBirthPlaces = []string{"Palembang", "Jakarta", "Jambi", "Pontianak", "Medan", "Semarang", "Padang", "Tanjung Pinang"}

var romanDusun = []string{"I", "II", "III", "IV", "V"}
